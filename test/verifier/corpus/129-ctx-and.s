# desc: mask the ctx pointer
# expect: reject
# kernel: R1 bitwise operator &= on pointer prohibited
# maps: 
# attach: select_or_migrate
# error: R1 bitwise operator &= on pointer prohibited
and %r1, 0xff
mov %r0, 1
exit
