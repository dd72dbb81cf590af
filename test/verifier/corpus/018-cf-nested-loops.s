# desc: 10 x 10 nested loops
# expect: accept
# maps: 
# attach: select_or_migrate
mov %r1, 0
outer:
mov %r2, 0
inner:
add %r2, 1
jlt %r2, 10, inner
add %r1, 1
jlt %r1, 10, outer
mov %r0, 1
exit
