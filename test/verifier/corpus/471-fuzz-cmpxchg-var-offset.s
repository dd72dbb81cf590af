# desc: rules: cmpxchg at an unknown (variable) map value offset (over-accept before the fix)
# expect: reject
# kernel: misaligned value access off (0x0; 0x3)+0+0 size 4
# maps: 3:array:4:16:4
# attach: select_or_migrate
# fuzz class rules.cmpxchg-var, kernel-fuzz.ts seed 129 (1 129 rules), minimised by gen/minimize.ts against the pre-fix tree
mov %r6, %r1
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
mov %r7, %r0
ldxw %r3, [%r6+20]
and %r3, 3
add %r7, %r3
mov %r1, 1
lock cmpxchg32 [%r7+0], %r1
out:
exit
