# desc: sk_select_reuseport with an uninitialized key
# expect: accept
# maps: 4:reuseport_sockarray:4:8:4
# attach: select_or_migrate
mov %r6, %r1
ldxw %r7, [%r6+32]
and %r7, 3
mov %r1, %r6
lddw %r2, map_fd(4)
mov %r3, %r10
add %r3, -4
mov %r4, 0
call 82
mov %r0, 1
exit
