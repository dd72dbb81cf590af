# desc: lddw of an undeclared map fd
# expect: reject
# kernel: lddw names map fd(9), which no 'map' line declares
# maps: 3:hash:4:8:16
# attach: select_or_migrate
# error: fd 9 is not pointing to valid bpf_map
lddw %r1, map_fd(9)
mov %r0, 1
exit
