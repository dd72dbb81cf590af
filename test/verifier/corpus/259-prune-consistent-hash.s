# desc: policies/consistent_hash.baton as compiled: nested bounded loops (regression: 1M budget)
# expect: accept
# maps: 1:reuseport_sockarray:4:8:16 2:array:4:4:1
# attach: select_or_migrate
mov %r6, %r1
ldxdw %r1, [%r6+48]
jne %r1, 0, L137
mov %r1, 0
stxw [%r10-8], %r1
lddw %r1, map_fd(2)
mov %r2, %r10
add %r2, -8
call 1
jeq %r0, 0, L13
ldxw %r0, [%r0]
ja L14
L13:
mov %r0, 0
L14:
mov %r7, %r0
jne %r7, 0, L18
mov %r0, 1
exit
L18:
mov %r1, 0
mov %r8, %r1
mov %r1, 0
mov %r9, %r1
mov %r1, 0
stxdw [%r10-8], %r1
L24:
ldxdw %r1, [%r10-8]
jge %r1, 16, L123
ldxdw %r1, [%r10-8]
jlt %r1, %r7, L29
ja L123
L29:
ldxw %r1, [%r6+32]
stxdw [%r10-16], %r1
ldxdw %r1, [%r10-8]
stxdw [%r10-24], %r1
ldxdw %r1, [%r10-16]
stxdw [%r10-40], %r1
ldxdw %r1, [%r10-24]
add %r1, 1
mov32 %r1, %r1
stxdw [%r10-48], %r1
ldxdw %r1, [%r10-48]
stxdw [%r10-64], %r1
ldxdw %r1, [%r10-64]
ldxdw %r2, [%r10-64]
rsh %r2, 16
xor %r1, %r2
mov32 %r1, %r1
stxdw [%r10-64], %r1
ldxdw %r1, [%r10-64]
mul %r1, 0x7feb352d
mov32 %r1, %r1
stxdw [%r10-64], %r1
ldxdw %r1, [%r10-64]
ldxdw %r2, [%r10-64]
rsh %r2, 15
xor %r1, %r2
mov32 %r1, %r1
stxdw [%r10-64], %r1
ldxdw %r1, [%r10-64]
mov32 %r2, 0x846ca68b
mul %r1, %r2
mov32 %r1, %r1
stxdw [%r10-64], %r1
ldxdw %r1, [%r10-64]
ldxdw %r2, [%r10-64]
rsh %r2, 16
xor %r1, %r2
mov32 %r1, %r1
stxdw [%r10-64], %r1
ldxdw %r1, [%r10-64]
stxdw [%r10-56], %r1
ja L71
L71:
ldxdw %r1, [%r10-56]
ldxdw %r2, [%r10-40]
xor %r2, %r1
mov32 %r2, %r2
stxdw [%r10-56], %r2
ldxdw %r1, [%r10-56]
stxdw [%r10-48], %r1
ldxdw %r1, [%r10-48]
ldxdw %r2, [%r10-48]
rsh %r2, 16
xor %r1, %r2
mov32 %r1, %r1
stxdw [%r10-48], %r1
ldxdw %r1, [%r10-48]
mul %r1, 0x7feb352d
mov32 %r1, %r1
stxdw [%r10-48], %r1
ldxdw %r1, [%r10-48]
ldxdw %r2, [%r10-48]
rsh %r2, 15
xor %r1, %r2
mov32 %r1, %r1
stxdw [%r10-48], %r1
ldxdw %r1, [%r10-48]
mov32 %r2, 0x846ca68b
mul %r1, %r2
mov32 %r1, %r1
stxdw [%r10-48], %r1
ldxdw %r1, [%r10-48]
ldxdw %r2, [%r10-48]
rsh %r2, 16
xor %r1, %r2
mov32 %r1, %r1
stxdw [%r10-48], %r1
ldxdw %r1, [%r10-48]
stxdw [%r10-40], %r1
ja L108
L108:
ldxdw %r1, [%r10-40]
stxdw [%r10-32], %r1
ja L111
L111:
ldxdw %r1, [%r10-32]
stxdw [%r10-32], %r1
ldxdw %r1, [%r10-32]
jle %r1, %r9, L119
ldxdw %r1, [%r10-8]
mov %r8, %r1
ldxdw %r1, [%r10-32]
mov %r9, %r1
L119:
ldxdw %r1, [%r10-8]
add %r1, 1
stxdw [%r10-8], %r1
ja L24
L123:
mov %r1, %r8
stxw [%r10-8], %r1
mov %r1, %r6
lddw %r2, map_fd(1)
mov %r3, %r10
add %r3, -8
mov %r4, 0
call 82
jne %r0, 0, L135
mov %r0, 1
exit
L135:
mov %r0, 1
exit
L137:
mov %r1, 0
stxw [%r10-8], %r1
lddw %r1, map_fd(2)
mov %r2, %r10
add %r2, -8
call 1
jeq %r0, 0, L147
ldxw %r0, [%r0]
ja L148
L147:
mov %r0, 0
L148:
mov %r7, %r0
jne %r7, 0, L152
mov %r0, 1
exit
L152:
mov %r1, 0
mov %r8, %r1
mov %r1, 0
mov %r9, %r1
mov %r1, 0
stxdw [%r10-8], %r1
L158:
ldxdw %r1, [%r10-8]
jge %r1, 16, L257
ldxdw %r1, [%r10-8]
jlt %r1, %r7, L163
ja L257
L163:
ldxw %r1, [%r6+32]
stxdw [%r10-32], %r1
ldxdw %r1, [%r10-8]
stxdw [%r10-24], %r1
ldxdw %r1, [%r10-32]
stxdw [%r10-40], %r1
ldxdw %r1, [%r10-24]
add %r1, 1
mov32 %r1, %r1
stxdw [%r10-56], %r1
ldxdw %r1, [%r10-56]
stxdw [%r10-64], %r1
ldxdw %r1, [%r10-64]
ldxdw %r2, [%r10-64]
rsh %r2, 16
xor %r1, %r2
mov32 %r1, %r1
stxdw [%r10-64], %r1
ldxdw %r1, [%r10-64]
mul %r1, 0x7feb352d
mov32 %r1, %r1
stxdw [%r10-64], %r1
ldxdw %r1, [%r10-64]
ldxdw %r2, [%r10-64]
rsh %r2, 15
xor %r1, %r2
mov32 %r1, %r1
stxdw [%r10-64], %r1
ldxdw %r1, [%r10-64]
mov32 %r2, 0x846ca68b
mul %r1, %r2
mov32 %r1, %r1
stxdw [%r10-64], %r1
ldxdw %r1, [%r10-64]
ldxdw %r2, [%r10-64]
rsh %r2, 16
xor %r1, %r2
mov32 %r1, %r1
stxdw [%r10-64], %r1
ldxdw %r1, [%r10-64]
stxdw [%r10-48], %r1
ja L205
L205:
ldxdw %r1, [%r10-48]
ldxdw %r2, [%r10-40]
xor %r2, %r1
mov32 %r2, %r2
stxdw [%r10-48], %r2
ldxdw %r1, [%r10-48]
stxdw [%r10-56], %r1
ldxdw %r1, [%r10-56]
ldxdw %r2, [%r10-56]
rsh %r2, 16
xor %r1, %r2
mov32 %r1, %r1
stxdw [%r10-56], %r1
ldxdw %r1, [%r10-56]
mul %r1, 0x7feb352d
mov32 %r1, %r1
stxdw [%r10-56], %r1
ldxdw %r1, [%r10-56]
ldxdw %r2, [%r10-56]
rsh %r2, 15
xor %r1, %r2
mov32 %r1, %r1
stxdw [%r10-56], %r1
ldxdw %r1, [%r10-56]
mov32 %r2, 0x846ca68b
mul %r1, %r2
mov32 %r1, %r1
stxdw [%r10-56], %r1
ldxdw %r1, [%r10-56]
ldxdw %r2, [%r10-56]
rsh %r2, 16
xor %r1, %r2
mov32 %r1, %r1
stxdw [%r10-56], %r1
ldxdw %r1, [%r10-56]
stxdw [%r10-40], %r1
ja L242
L242:
ldxdw %r1, [%r10-40]
stxdw [%r10-16], %r1
ja L245
L245:
ldxdw %r1, [%r10-16]
stxdw [%r10-16], %r1
ldxdw %r1, [%r10-16]
jle %r1, %r9, L253
ldxdw %r1, [%r10-8]
mov %r8, %r1
ldxdw %r1, [%r10-16]
mov %r9, %r1
L253:
ldxdw %r1, [%r10-8]
add %r1, 1
stxdw [%r10-8], %r1
ja L158
L257:
mov %r1, %r8
stxw [%r10-8], %r1
mov %r1, %r6
lddw %r2, map_fd(1)
mov %r3, %r10
add %r3, -8
mov %r4, 0
call 82
jne %r0, 0, L269
mov %r0, 1
exit
L269:
mov %r0, 1
exit
