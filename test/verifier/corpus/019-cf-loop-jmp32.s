# desc: loop with a 32-bit condition
# expect: accept
# maps: 
# attach: select_or_migrate
mov32 %r1, 0
lp:
add32 %r1, 1
jlt32 %r1, 20, lp
mov %r0, 1
exit
