# desc: a map type not allowed for sk_reuseport in dead code
# expect: reject
# kernel: direct value offset of 536870912 is not allowed
# maps: 3:array:4:16:1
# attach: select_or_migrate
mov %r0, 1
exit
lddw %r1, pseudo(2, 3, 0x20000000)
exit
