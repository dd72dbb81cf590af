# desc: 32-bit add to the ctx pointer
# expect: reject
# kernel: R1 32-bit pointer arithmetic prohibited
# maps: 
# attach: select_or_migrate
# error: R1 32-bit pointer arithmetic prohibited
add32 %r1, 4
mov %r0, 1
exit
