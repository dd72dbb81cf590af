# desc: sk_select_reuseport with r4 never set
# expect: reject
# kernel: R4 !read_ok
# maps: 4:reuseport_sockarray:4:8:4
# attach: select_or_migrate
# error: R4 !read_ok
mov %r6, %r1
ldxw %r7, [%r6+32]
and %r7, 3
stxw [%r10-4], %r7
mov %r1, %r6
lddw %r2, map_fd(4)
mov %r3, %r10
add %r3, -4
call 82
mov %r0, 1
exit
