# desc: variable offset & 15 into 16-byte value (read 8)
# expect: reject
# kernel: invalid access to map value, value_size=16 off=15 size=8
# maps: 3:hash:4:16:16
# attach: select_or_migrate
# error: invalid access to map value, value_size=16 off=15 size=8
mov %r6, %r1
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
ldxw %r2, [%r6+32]
and %r2, 15
add %r0, %r2
ldxdw %r1, [%r0]
out:
mov %r0, 1
exit
