# desc: cmpxchg through a map value pointer with an unknown offset
# expect: accept
# maps: 3:array:4:16:4
# attach: select_or_migrate
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
ldxw %r2, [%r0]
and %r2, 8
mov %r3, %r0
add %r3, %r2
mov %r1, 1
mov %r0, 0
lock cmpxchg [%r3], %r1
out:
mov %r0, 1
exit
