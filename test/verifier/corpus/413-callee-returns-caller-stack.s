# desc: a callee returns a pointer into the caller's stack
# expect: reject
# kernel: cannot return stack pointer to the caller
# maps:
# attach: select_or_migrate
# error: cannot return stack pointer to the caller
stdw [%r10-8], 7
mov %r1, %r10
add %r1, -8
call local f
ldxdw %r0, [%r0]
mov %r0, 1
exit
f:
mov %r0, %r1
exit
