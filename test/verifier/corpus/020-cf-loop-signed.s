# desc: signed loop from -10 to 10
# expect: accept
# maps: 
# attach: select_or_migrate
mov %r1, -10
lp:
add %r1, 1
jslt %r1, 10, lp
mov %r0, 1
exit
