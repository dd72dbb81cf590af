# desc: div by a register that may be 0
# expect: accept
# maps: 
# attach: select_or_migrate
ldxw %r2, [%r1+32]
mov %r0, 1
div %r0, %r2
mov %r0, 1
exit
