# desc: return the result of sk_select_reuseport
# expect: reject
# kernel: R4 !read_ok
# maps: 4:reuseport_sockarray:4:8:4
# attach: select_or_migrate
# error: R4 !read_ok
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
mov %r3, %r2
lddw %r2, map_fd(4)
call 82
exit
