# desc: bounded loop, 100 iterations
# expect: accept
# maps: 
# attach: select_or_migrate
mov %r1, 0
lp:
add %r1, 1
jlt %r1, 100, lp
mov %r0, 1
exit
