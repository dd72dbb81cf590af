# desc: rules: a callee returns a pointer into the caller stack (over-accept before the fix)
# expect: reject
# kernel: cannot return stack pointer to the caller
# maps: 
# attach: select_or_migrate
# fuzz class rules.callee-ret-stack, kernel-fuzz.ts seed 122 (1 122 rules), minimised by gen/minimize.ts against the pre-fix tree
mov %r1, %r10
call local f
exit
f:
mov %r0, %r1
exit
