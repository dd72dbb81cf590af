# desc: rules: a bounded variable-offset stack pointer as a helper argument (under-accept before the fix)
# expect: accept
# maps: 3:array:4:16:4
# attach: select_or_migrate
# fuzz class rules.var-stack-helper, kernel-fuzz.ts seed 109 (1 109 rules), minimised by gen/minimize.ts against the pre-fix tree
mov %r6, %r1
ldxw %r3, [%r6+32]
and %r3, 12
mov %r2, %r10
add %r2, -16
add %r2, %r3
lddw %r1, map_fd(3)
call 1
out:
mov %r0, 1
exit
