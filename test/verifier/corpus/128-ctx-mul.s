# desc: multiply the ctx pointer
# expect: reject
# kernel: R1 pointer arithmetic with *= operator prohibited
# maps: 
# attach: select_or_migrate
# error: R1 pointer arithmetic with *= operator prohibited
mul %r1, 2
mov %r0, 1
exit
