# desc: rules: a callee spills a pointer to its own stack into the caller frame (over-accept before the fix)
# expect: reject
# kernel: cannot spill pointers to stack into stack frame of the caller
# maps: 
# attach: select_or_migrate
# fuzz class rules.callee-spill-own-stack, kernel-fuzz.ts seed 111 (1 111 rules), minimised by gen/minimize.ts against the pre-fix tree
mov %r1, %r10
add %r1, -8
call local f
exit
f:
mov %r2, %r10
stxdw [%r1+0], %r2
mov %r0, 0
exit
