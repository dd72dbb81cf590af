# desc: a callee spills a pointer to its own stack into the caller's frame
# expect: reject
# kernel: cannot spill pointers to stack into stack frame of the caller
# maps:
# attach: select_or_migrate
# error: cannot spill pointers to stack into stack frame of the caller
stdw [%r10-8], 0
mov %r1, %r10
add %r1, -8
call local f
mov %r0, 1
exit
f:
mov %r2, %r10
add %r2, -8
stxdw [%r1], %r2
mov %r0, 0
exit
