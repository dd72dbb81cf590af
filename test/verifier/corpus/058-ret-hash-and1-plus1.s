# desc: return (hash & 1) + 1
# expect: accept
# maps: 
# attach: select_or_migrate
ldxw %r0, [%r1+32]
and %r0, 1
add %r0, 1
exit
