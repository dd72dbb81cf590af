# desc: negate the ctx pointer
# expect: accept
# maps: 
# attach: select_or_migrate
neg %r1
mov %r0, 1
exit
