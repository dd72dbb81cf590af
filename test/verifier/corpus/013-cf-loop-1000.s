# desc: bounded loop, 1000 iterations with a body
# expect: accept
# maps: 
# attach: select_or_migrate
mov %r1, 0
mov %r2, 0
lp:
add %r2, %r1
add %r1, 1
jlt %r1, 1000, lp
mov %r0, 1
exit
