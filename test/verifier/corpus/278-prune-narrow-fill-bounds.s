# desc: pruning soundness: a narrow spill of 3 or 12 filled and used as an 8-byte value offset; 12 is out of range
# expect: reject
# kernel: invalid access to map value, value_size=8 off=12 size=1
# maps: 3:array:4:8:4
# attach: select_or_migrate
ldxw %r8, [%r1+32]
stw [%r10-16], 0
mov %r2, %r10
add %r2, -16
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
mov %r6, 3
jgt %r8, 5, big
ja join
big:
mov %r6, 12
join:
stxw [%r10-8], %r6
mov %r3, 0
ldxw %r7, [%r10-8]
add %r0, %r7
ldxb %r1, [%r0]
out:
mov %r0, 1
exit
