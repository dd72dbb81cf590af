# desc: 32-bit copy of ctx
# expect: accept
# maps: 
# attach: select_or_migrate
mov32 %r2, %r1
mov %r0, 1
exit
