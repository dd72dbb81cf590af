# desc: return the ctx pointer
# expect: accept
# maps: 
# attach: select_or_migrate
mov %r0, %r1
exit
