# desc: return a map value pointer
# expect: accept
# maps: 3:array:4:8:4
# attach: select_or_migrate
# baton: reject (Baton-only rule: r0 at exit must be a scalar in [0, 1] (the kernel does not check sk_reuseport return values))
# error: R0 leaks addr as return value
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
exit
