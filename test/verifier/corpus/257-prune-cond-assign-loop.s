# desc: conditional assignment in a bounded loop (states differ only in an imprecise scalar; regression: 1M budget)
# expect: accept
# maps: 1:array:4:4:32
# attach: select_or_migrate
mov %r6, %r1
ldxdw %r1, [%r6+48]
jne %r1, 0, L31
mov %r1, 0
mov %r7, %r1
mov %r1, 0
mov %r8, %r1
L7:
mov %r1, %r8
jge %r1, 32, L17
ldxw %r1, [%r6+32]
jge %r1, %r8, L13
mov %r1, %r8
mov %r7, %r1
L13:
mov %r1, %r8
add %r1, 1
mov %r8, %r1
ja L7
L17:
mov %r1, 0
stxw [%r10-8], %r1
mov %r1, %r7
stxw [%r10-16], %r1
lddw %r1, map_fd(1)
mov %r2, %r10
add %r2, -8
mov %r3, %r10
add %r3, -16
mov %r4, 0
call 2
mov %r0, 1
exit
L31:
mov %r0, 1
exit
