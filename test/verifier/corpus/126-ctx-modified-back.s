# desc: add 4 then subtract 4 before loading
# expect: accept
# maps: 
# attach: select_or_migrate
add %r1, 4
sub %r1, 4
ldxw %r0, [%r1+32]
mov %r0, 1
exit
