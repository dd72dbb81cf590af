# desc: argmin loop: more than 1.5x the kernel processed insns before the fix (too weak)
# expect: accept
# maps: 6:array:4:8:64 7:array:4:256:1
# attach: select_or_migrate
# fuzz class argmin, kernel-fuzz.ts seed 12 (1 12 argmin), minimised by gen/minimize.ts against the pre-fix tree
mov %r6, %r1
lddw %r7, 0x7fffffffffffffff
mov %r9, 0
L0:
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(6)
call 1
jeq %r0, 0, L2
ldxdw %r1, [%r0+0]
jge %r1, %r7, L1
mov %r8, %r9
L1:
add %r9, 1
jlt %r9, 6, L0
L2:
mov %r2, %r10
lddw %r1, map_fd(7)
add %r0, %r9
out:
exit
