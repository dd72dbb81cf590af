# desc: loop bounded by hash & 15
# expect: accept
# maps: 
# attach: select_or_migrate
ldxw %r2, [%r1+32]
and %r2, 15
mov %r1, 0
lp:
add %r1, 1
jlt %r1, %r2, lp
mov %r0, 1
exit
