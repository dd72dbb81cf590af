# desc: fill 4 bytes of a spilled pointer then use as pointer
# expect: reject
# kernel: invalid size of register fill
# maps: 
# attach: select_or_migrate
# error: invalid size of register fill
stxdw [%r10-8], %r1
ldxw %r2, [%r10-8]
ldxw %r0, [%r2+32]
mov %r0, 1
exit
