# desc: lddw map_value past the value of a one-element array, in dead code
# expect: reject
# kernel: invalid access to map value pointer, value_size=16 off=16
# maps: 3:array:4:16:1
# attach: select_or_migrate
mov %r0, 1
exit
lddw %r1, map_value(3, 16)
exit
