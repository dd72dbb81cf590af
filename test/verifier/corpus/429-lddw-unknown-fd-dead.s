# desc: an lddw naming an fd that is no map, in dead code (the kernel resolves every lddw first)
# expect: reject
# kernel: lddw names map fd(9), which no 'map' line declares
# maps: 3:array:4:16:4
# attach: select_or_migrate
mov %r0, 1
exit
lddw %r1, map_fd(9)
exit
