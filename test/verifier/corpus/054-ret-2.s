# desc: return 2
# expect: accept
# maps: 
# attach: select_or_migrate
mov %r0, 2
exit
