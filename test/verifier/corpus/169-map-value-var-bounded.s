# desc: variable offset bounded by & 7 into 16-byte value (read 8)
# expect: accept
# maps: 3:hash:4:16:4
# attach: select_or_migrate
mov %r6, %r1
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
ldxw %r2, [%r6+32]
and %r2, 7
add %r0, %r2
ldxdw %r1, [%r0]
out:
mov %r0, 1
exit
