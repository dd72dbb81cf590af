# desc: return hash % 2 (division result unknown to the kernel)
# expect: accept
# maps: 
# attach: select_or_migrate
ldxw %r0, [%r1+32]
mod %r0, 2
exit
