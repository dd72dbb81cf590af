# desc: return hash >> 31
# expect: accept
# maps: 
# attach: select_or_migrate
ldxw %r0, [%r1+32]
rsh32 %r0, 31
exit
