# desc: an 8-byte load over a 4-byte spill is unknown data: unbounded map value offset
# expect: reject
# kernel: math between map_value pointer and register with unbounded min value is not allowed
# maps: 3:array:4:8:4
# attach: select_or_migrate
mov %r6, 2
stxw [%r10-8], %r6
stw [%r10-4], 0
stw [%r10-16], 0
mov %r2, %r10
add %r2, -16
lddw %r1, map_fd(3)
call 1
ldxdw %r7, [%r10-8]
add %r0, %r7
ldxb %r1, [%r0]
mov %r0, 1
exit
