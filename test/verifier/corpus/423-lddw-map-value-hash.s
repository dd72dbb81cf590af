# desc: lddw map_value into a hash map
# expect: reject
# kernel: no direct value access support for this map type
# maps: 3:hash:4:16:4
# attach: select_or_migrate
# error: no direct value access support for this map type
lddw %r1, map_value(3, 0)
mov %r0, 1
exit
