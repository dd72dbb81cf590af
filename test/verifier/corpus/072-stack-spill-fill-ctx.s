# desc: spill ctx, fill it back, read hash
# expect: accept
# maps: 
# attach: select_or_migrate
stxdw [%r10-8], %r1
ldxdw %r2, [%r10-8]
ldxw %r0, [%r2+32]
mov %r0, 1
exit
