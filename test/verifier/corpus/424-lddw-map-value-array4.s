# desc: lddw map_value into an array with 4 entries
# expect: reject
# kernel: invalid access to map value pointer, value_size=16 off=0
# maps: 3:array:4:16:4
# attach: select_or_migrate
# error: invalid access to map value pointer, value_size=16 off=0
lddw %r1, map_value(3, 0)
mov %r0, 1
exit
