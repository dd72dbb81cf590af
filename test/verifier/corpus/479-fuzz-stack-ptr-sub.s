# desc: rules: subtracting from a stack pointer (also found by the negoff class) (over-accept before the fix)
# expect: reject
# kernel: R2 subtraction from stack pointer prohibited
# maps: 
# attach: select_or_migrate
# fuzz class rules.stack-sub, kernel-fuzz.ts seed 100 (1 100 rules), minimised by gen/minimize.ts against the pre-fix tree
mov %r6, %r1
mov %r2, %r10
sub %r2, 8
out:
mov %r0, 1
exit
