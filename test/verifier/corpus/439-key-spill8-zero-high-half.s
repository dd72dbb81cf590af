# desc: key: 8-byte spill of 0 at fp-8, key at fp-4 (high half)
# expect: accept
# maps: 3:array:4:8:4
# attach: select_or_migrate
stdw [%r10-8], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
ldxdw %r1, [%r0]
mov %r0, 1
exit
