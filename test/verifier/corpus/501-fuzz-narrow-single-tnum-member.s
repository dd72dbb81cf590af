# desc: after 'r9 &= 16' and 'if r1 < r9' with r1 = 1, the range [2, 16] meets the tnum {0, 16} only in 16, so the kernel makes r9 the constant 16 (__update_reg64_bounds, 6.18 stable) and the loop's states match earlier ones; Baton kept the range and walked 199 insns before it had the rule (kernel 104)
# expect: accept
# maps: 3:array:4:16:4 5:array:4:8:2 4:reuseport_sockarray:4:8:4 6:array:4:8:64 7:array:4:256:1
# attach: select_or_migrate
# fuzz class narrow, kernel-fuzz.ts seed 8031178 (1 8031178 narrow): slow, found on d0ed28a
mov %r6, %r1
mov %r7, 0
mov %r8, 0
mov %r9, 0
ldxw %r9, [%r6+32]
and %r9, 16
mov %r1, 0
L0:
add %r7, %r1
add %r1, 1
jlt %r1, %r9, L0
stxw [%r10-12], %r7
ldxw %r7, [%r10-12]
ldxdw %r2, [%r6+0]
ldxdw %r3, [%r6+8]
mov %r4, %r2
add %r4, 4
jge %r4, %r3, L1
ldxh %r9, [%r2+3]
L1:
mov %r1, %r7
and %r1, 3
stxw [%r10-4], %r1
mov %r1, %r6
lddw %r2, map_fd(4)
mov %r3, %r10
add %r3, -4
mov %r4, 0
call 82
mov %r0, %r8
exit
