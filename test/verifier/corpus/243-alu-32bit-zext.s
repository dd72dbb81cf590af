# desc: 32-bit result bounds index into a map value
# expect: accept
# maps: 3:hash:4:8:16
# attach: select_or_migrate
mov %r6, %r1
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
ldxw %r2, [%r6+32]
mov32 %r2, %r2
rsh32 %r2, 29
add %r0, %r2
ldxb %r1, [%r0]
out:
mov %r0, 1
exit
