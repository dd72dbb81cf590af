# desc: ldxw of a stxw spill of 0x100000007 gives 7, in range of an 8-byte value
# expect: accept
# maps: 3:array:4:8:4
# attach: select_or_migrate
lddw %r6, 0x100000007
stxw [%r10-8], %r6
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
