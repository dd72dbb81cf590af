# desc: a 32-bit move of a 32-bit division result clears the high half
# expect: accept
# maps: 3:array:4:16:4
# attach: select_or_migrate
ldxw %r7, [%r1+16]
div32 %r7, 3
mov32 %r7, %r7
rsh %r7, 32
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
add %r0, %r7
ldxdw %r8, [%r0]
out:
mov %r0, 1
exit
