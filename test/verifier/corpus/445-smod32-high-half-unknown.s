# desc: the high half of a 32-bit signed modulo result
# expect: reject
# kernel: R0 unbounded memory access, make sure to bounds check any such access
# maps: 3:array:4:16:4
# attach: select_or_migrate
# error: R0 unbounded memory access, make sure to bounds check any such access
ldxw %r7, [%r1+16]
smod32 %r7, 3
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
