# desc: rules: the kernel forgets the bounds of a 32-bit signed modulo (over-accept before the fix)
# expect: reject
# kernel: math between map_value pointer and register with unbounded min value is not allowed
# maps: 7:array:4:256:1
# attach: select_or_migrate
# fuzz class rules.sdiv32, kernel-fuzz.ts seed 11 (1 11 rules), minimised by gen/minimize.ts against the pre-fix tree
mov %r6, %r1
ldxw %r7, [%r6+24]
smod32 %r7, 3
mov %r2, %r10
add %r2, -8
lddw %r1, map_fd(7)
call 1
jeq %r0, 0, out
add %r0, %r7
out:
mov %r0, 1
exit
