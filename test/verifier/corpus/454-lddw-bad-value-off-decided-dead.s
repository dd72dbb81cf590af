# desc: a bad direct map value offset in a branch no path takes (reachable in the CFG)
# expect: reject
# kernel: invalid access to map value pointer, value_size=256 off=256
# maps: 7:array:4:256:1
# attach: select_or_migrate
# error: invalid access to map value pointer, value_size=256 off=256
mov %r5, 2
jne %r5, 5, skip
lddw %r1, map_value(7, 256)
skip:
mov %r0, 1
exit
