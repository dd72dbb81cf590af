# desc: argmin loop (not minimised): the kernel accepts after 851 insns; before the fix Baton ran out of the 1M budget (too weak)
# expect: accept
# maps: 6:array:4:8:64 7:array:4:256:1
# attach: select_or_migrate
# fuzz class argmin, kernel-fuzz.ts seed 1005 (1 1005 argmin)
mov %r6, %r1
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(7)
call 1
jeq %r0, 0, out
stxdw [%r10-8], %r0
mov %r7, -1
mov %r8, 0
mov %r9, 0
L0:
ldxdw %r2, [%r10-8]
mov %r3, %r9
lsh %r3, 3
add %r2, %r3
ldxdw %r1, [%r2+0]
jsge %r1, %r7, L1
mov %r7, %r1
mov %r8, %r9
L1:
add %r9, 1
jlt %r9, 23, L0
L2:
stxw [%r10-4], %r8
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(6)
call 1
jeq %r0, 0, out
stxdw [%r0+0], %r7
out:
mov %r0, 1
exit
