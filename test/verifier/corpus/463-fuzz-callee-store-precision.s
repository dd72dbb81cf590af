# desc: precision through a callee store: the callee stores a constant or a wide value into the caller slot (merge inside the callee), the caller adds the slot to a map value pointer (over-accept before the fix)
# expect: reject
# kernel: R0 unbounded memory access, make sure to bounds check any such access
# maps: 7:array:4:256:1
# attach: select_or_migrate
# fuzz class callee, kernel-fuzz.ts seed 1 (1 1 callee), minimised by gen/minimize.ts against the pre-fix tree
mov %r6, %r1
ldxw %r7, [%r6+24]
ldxw %r8, [%r6+32]
ldxw %r9, [%r6+20]
mov %r2, %r7
mov %r3, %r6
ja +0
ja +0
mov %r1, %r10
add %r1, -16
call local store
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(7)
call 1
jeq %r0, 0, out
ldxdw %r3, [%r10-16]
add %r0, %r3
ldxb %r1, [%r0+0]
out:
mov %r0, 1
exit
store:
ldxw %r3, [%r3+20]
jne %r3, 1, L0
mov %r4, 4
mov %r5, 1
ja L1
L0:
mov %r4, %r2
L1:
stxdw [%r1+0], %r4
exit
