# desc: return SK_DROP
# expect: accept
# maps: 
# attach: select_or_migrate
mov %r0, 0
exit
