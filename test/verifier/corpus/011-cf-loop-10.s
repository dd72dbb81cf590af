# desc: bounded loop, 10 iterations
# expect: accept
# maps: 
# attach: select_or_migrate
mov %r1, 0
lp:
add %r1, 1
jlt %r1, 10, lp
mov %r0, 1
exit
