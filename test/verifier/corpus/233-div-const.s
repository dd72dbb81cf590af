# desc: div by 3
# expect: accept
# maps: 
# attach: select_or_migrate
ldxw %r0, [%r1+32]
div %r0, 3
mov %r0, 1
exit
