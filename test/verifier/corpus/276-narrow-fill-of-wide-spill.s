# desc: ldxw from the start of an 8-byte spill of a value below 8 keeps the bounds
# expect: accept
# maps: 3:array:4:8:4
# attach: select_or_migrate
ldxw %r6, [%r1+32]
and %r6, 7
stxdw [%r10-8], %r6
stw [%r10-16], 0
mov %r2, %r10
add %r2, -16
lddw %r1, map_fd(3)
call 1
ldxw %r7, [%r10-8]
add %r0, %r7
ldxb %r1, [%r0]
mov %r0, 1
exit
