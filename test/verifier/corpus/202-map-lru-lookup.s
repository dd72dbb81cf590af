# desc: lookup in an LRU hash with a check
# expect: accept
# maps: 3:lru_hash:4:8:16
# attach: select_or_migrate
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
ldxdw %r1, [%r0]
out:
mov %r0, 1
exit
