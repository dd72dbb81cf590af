# desc: an atomic xchg of a stack slot holding a spilled pointer
# expect: accept
# maps:
# attach: select_or_migrate
mov %r1, %r10
stxdw [%r10-8], %r1
mov %r2, 0
lock xchg [%r10-8], %r2
ldxdw %r0, [%r2-8]
mov %r0, 1
exit
