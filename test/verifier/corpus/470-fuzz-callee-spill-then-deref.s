# desc: rules: a callee spills a pointer to its own stack into the caller frame, the caller dereferences it (internal error before the fix)
# expect: reject
# kernel: cannot spill pointers to stack into stack frame of the caller
# maps: 
# attach: select_or_migrate
# fuzz class rules.callee-spill-own-stack, kernel-fuzz.ts seed 15 (1 15 rules), minimised by gen/minimize.ts against the pre-fix tree
mov %r6, %r1
mov %r1, %r10
add %r1, -8
call local f
ldxdw %r1, [%r10-8]
ldxdw %r2, [%r1+0]
out:
mov %r0, 1
exit
f:
mov %r2, %r10
add %r2, -8
stxdw [%r1+0], %r2
exit
