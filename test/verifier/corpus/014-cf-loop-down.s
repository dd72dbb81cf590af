# desc: count down from 50
# expect: accept
# maps: 
# attach: select_or_migrate
mov %r1, 50
lp:
sub %r1, 1
jne %r1, 0, lp
mov %r0, 1
exit
