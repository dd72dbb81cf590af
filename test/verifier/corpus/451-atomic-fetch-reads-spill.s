# desc: an atomic fetch-add on a stack slot returns the spilled constant (value used as a map offset)
# expect: accept
# maps: 3:array:4:16:4
# attach: select_or_migrate
stdw [%r10-8], 3
stw [%r10-12], 0
mov %r6, 0
lock fetch add [%r10-8], %r6
mov %r2, %r10
add %r2, -12
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
add %r0, %r6
ldxdw %r1, [%r0+5]
out:
mov %r0, 1
exit
