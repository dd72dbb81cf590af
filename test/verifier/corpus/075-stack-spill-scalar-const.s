# desc: spilled constant keeps its value across fill
# expect: accept
# maps: 
# attach: select_or_migrate
mov %r1, 1
stxdw [%r10-8], %r1
ldxdw %r0, [%r10-8]
exit
