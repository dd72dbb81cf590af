# desc: return the hash (unknown)
# expect: accept
# maps: 
# attach: select_or_migrate
ldxw %r0, [%r1+32]
exit
