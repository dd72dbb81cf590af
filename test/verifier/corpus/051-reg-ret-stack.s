# desc: return a stack pointer
# expect: accept
# maps: 
# attach: select_or_migrate
mov %r0, %r10
exit
