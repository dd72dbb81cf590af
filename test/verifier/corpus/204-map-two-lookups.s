# desc: two lookups, both checked, copy between them
# expect: accept
# maps: 3:hash:4:8:16
# attach: select_or_migrate
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
mov %r6, %r0
stw [%r10-8], 1
mov %r2, %r10
add %r2, -8
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
ldxdw %r1, [%r6]
stxdw [%r0], %r1
out:
mov %r0, 1
exit
