# desc: pruning soundness: at the join the stack slot holds 0 on one path and 100 on the other; it later offsets a map value
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
stxdw [%r10-16], %r6
ja join
big:
mov %r6, 100
stxdw [%r10-16], %r6
join:
mov %r6, 0
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
ldxdw %r7, [%r10-16]
add %r0, %r7
ldxb %r1, [%r0]
out:
mov %r0, 1
exit
