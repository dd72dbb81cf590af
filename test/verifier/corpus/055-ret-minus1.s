# desc: return -1
# expect: accept
# maps: 
# attach: select_or_migrate
mov %r0, -1
exit
