# desc: lddw map_value pointer and read it
# expect: reject
# kernel: invalid access to map value pointer, value_size=8 off=4
# maps: 3:array:4:8:4
# attach: select_or_migrate
# error: invalid access to map value pointer, value_size=8 off=4
lddw %r1, map_value(3, 4)
ldxw %r0, [%r1]
mov %r0, 1
exit
