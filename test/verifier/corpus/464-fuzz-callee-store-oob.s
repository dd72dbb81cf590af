# desc: precision through a callee store, two call levels (over-accept before the fix)
# expect: reject
# kernel: invalid access to map value, value_size=8 off=255 size=1
# maps: 5:array:4:8:2
# attach: select_or_migrate
# fuzz class callee, kernel-fuzz.ts seed 132 (1 132 callee), minimised by gen/minimize.ts against the pre-fix tree
mov %r6, %r1
ldxw %r7, [%r6+28]
ldxw %r8, [%r6+28]
ldxw %r9, [%r6+32]
mov %r2, %r7
mov %r3, %r6
mov %r1, %r10
add %r1, -8
call local store
mov %r2, %r10
add %r2, -20
lddw %r1, map_fd(5)
call 1
jeq %r0, 0, out
ldxw %r3, [%r10-8]
and %r3, 255
add %r0, %r3
stb [%r0+0], 1
out:
mov %r0, 1
exit
store:
ldxw %r3, [%r3+32]
jne %r3, 2, L0
mov %r4, 3
mov %r5, 0
jeq %r5, 101, +0
mov %r5, 4
mov %r5, 3
mov %r5, 2
mov %r5, 1
ja L1
L0:
mov %r4, %r2
L1:
stxw [%r1+0], %r4
exit
