# desc: lsh by 63
# expect: accept
# maps: 
# attach: select_or_migrate
mov %r0, 1
lsh %r0, 63
mov %r0, 1
exit
