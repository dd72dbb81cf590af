# desc: an old state's unlinked scalar (r8 = ctx & 63) covers a current one linked to r7 with a delta (r8 = r7 - 1): the kernel's regsafe compares only the range when the old id is 0, so the second path is pruned at the loop head after one iteration (kernel 235 insns; Baton walked the loop again, 417, before it had the rule)
# expect: accept
# maps: 3:array:4:16:4 5:array:4:8:2 4:reuseport_sockarray:4:8:4 6:array:4:8:64 7:array:4:256:1
# attach: select_or_migrate
# fuzz class linked, kernel-fuzz.ts seed 5006254 (1 5006254 linked): slow, found on 7ed413d
mov %r6, %r1
ldxw %r7, [%r6+16]
ldxw %r9, [%r6+32]
jeq %r9, 3, L0
ldxw %r8, [%r6+32]
and %r8, 63
mov %r5, 8
mov %r5, 7
mov %r5, 6
mov %r5, 5
mov %r5, 4
mov %r5, 3
mov %r5, 2
mov %r5, 1
ja L1
L0:
mov %r8, %r7
add %r8, -1
mov %r5, 8
mov %r5, 7
mov %r5, 6
mov %r5, 5
mov %r5, 4
mov %r5, 3
mov %r5, 2
mov %r5, 1
L1:
jsgt %r7, 63, out
jslt %r7, 0, out
jgt %r8, 200, out
mov %r1, 0
L2:
add %r1, 1
jlt %r1, %r8, L2
out:
mov %r0, 1
exit
