# desc: key: zero bytes at fp-6, key at fp-6
# expect: accept
# maps: 3:array:4:8:4
# attach: select_or_migrate
stdw [%r10-8], 1
sth [%r10-6], 0
sth [%r10-4], 0
mov %r2, %r10
add %r2, -6
lddw %r1, map_fd(3)
call 1
ldxdw %r1, [%r0]
mov %r0, 1
exit
