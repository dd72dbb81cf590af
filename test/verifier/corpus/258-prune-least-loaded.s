# desc: policies/least_loaded.baton as compiled: the argmin index is only stored as a key (imprecise)
# expect: accept
# maps: 1:reuseport_sockarray:4:8:32 2:array:4:4:32 3:array:4:4:1
# attach: select_or_migrate
mov %r6, %r1
ldxdw %r1, [%r6+48]
jne %r1, 0, L65
mov %r1, 0
stxw [%r10-8], %r1
lddw %r1, map_fd(3)
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
mov32 %r1, -1
mov %r9, %r1
mov %r1, 0
stxdw [%r10-8], %r1
L24:
ldxdw %r1, [%r10-8]
jge %r1, 32, L51
ldxdw %r1, [%r10-8]
jlt %r1, %r7, L29
ja L51
L29:
ldxdw %r1, [%r10-8]
stxw [%r10-16], %r1
lddw %r1, map_fd(2)
mov %r2, %r10
add %r2, -16
call 1
jeq %r0, 0, L39
ldxw %r0, [%r0]
ja L40
L39:
mov32 %r0, -1
L40:
stxdw [%r10-16], %r0
ldxdw %r1, [%r10-16]
jge %r1, %r9, L47
ldxdw %r1, [%r10-8]
mov %r8, %r1
ldxdw %r1, [%r10-16]
mov %r9, %r1
L47:
ldxdw %r1, [%r10-8]
add %r1, 1
stxdw [%r10-8], %r1
ja L24
L51:
mov %r1, %r8
stxw [%r10-8], %r1
mov %r1, %r6
lddw %r2, map_fd(1)
mov %r3, %r10
add %r3, -8
mov %r4, 0
call 82
jne %r0, 0, L63
mov %r0, 1
exit
L63:
mov %r0, 1
exit
L65:
mov %r0, 1
exit
