# desc: key: 8-byte spill of 2, key at fp-4 (high half)
# expect: accept
# maps: 3:array:4:8:4
# attach: select_or_migrate
mov %r6, 2
stxdw [%r10-8], %r6
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
ldxdw %r1, [%r0]
mov %r0, 1
exit
