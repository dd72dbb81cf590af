# desc: an atomic add with a pointer source into the stack (privileged: the slot becomes data)
# expect: accept
# maps:
# attach: select_or_migrate
stdw [%r10-8], 3
mov %r1, %r10
lock add [%r10-8], %r1
ldxdw %r0, [%r10-8]
mov %r0, 1
exit
