# desc: return hash after checking it is <= 1
# expect: accept
# maps: 
# attach: select_or_migrate
ldxw %r0, [%r1+32]
jgt %r0, 1, drop
exit
drop:
mov %r0, 0
exit
