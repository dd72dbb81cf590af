# desc: byte swaps of a scalar
# expect: accept
# maps: 
# attach: select_or_migrate
ldxw %r0, [%r1+32]
be16 %r0
le32 %r0
bswap64 %r0
mov %r0, 1
exit
