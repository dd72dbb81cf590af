# desc: pruning soundness: a scalar (0 or 100) spilled and filled at a fixed offset, then used as a map value offset
# expect: reject
# kernel: invalid access to map value, value_size=8 off=100 size=1
# maps: 3:array:4:8:4
# attach: select_or_migrate
mov %r3, 0
mov %r3, 0
mov %r3, 0
mov %r3, 0
mov %r3, 0
mov %r3, 0
mov %r3, 0
mov %r3, 0
ldxw %r2, [%r1+32]
mov %r6, 0
jgt %r2, 5, big
ja join
big:
mov %r6, 100
join:
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
stxdw [%r10-16], %r6
ldxdw %r7, [%r10-16]
add %r0, %r7
ldxb %r1, [%r0]
out:
mov %r0, 1
exit
