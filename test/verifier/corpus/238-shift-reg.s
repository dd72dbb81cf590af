# desc: lsh by a register
# expect: accept
# maps: 
# attach: select_or_migrate
ldxw %r2, [%r1+32]
mov %r0, 1
lsh %r0, %r2
mov %r0, 1
exit
