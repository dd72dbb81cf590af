# desc: key: stw 0 at fp-8 (4-byte spill of zero), key at fp-8
# expect: accept
# maps: 3:array:4:8:4
# attach: select_or_migrate
stw [%r10-8], 0
mov %r2, %r10
add %r2, -8
lddw %r1, map_fd(3)
call 1
ldxdw %r1, [%r0]
mov %r0, 1
exit
