# desc: an fd that names no map in a branch no path takes (the kernel resolves every lddw first)
# expect: reject
# kernel: lddw names map fd(9), which no 'map' line declares
# maps: 3:array:4:16:4
# attach: select_or_migrate
# error: fd 9 is not pointing to valid bpf_map
mov %r5, 2
jne %r5, 5, skip
lddw %r1, map_fd(9)
skip:
mov %r0, 1
exit
