# desc: contradictory bounds after a branch: the kernel keeps the side alive with the register unbounded (REG INVARIANTS VIOLATION)
# expect: reject
# kernel: value 2147483647 makes map_value pointer be out of bounds
# maps: 3:array:4:16:4 7:array:4:256:1
# attach: select_or_migrate
# error: value 2147483647 makes map_value pointer be out of bounds
mov %r6, %r1
ldxw %r7, [%r1+16]
ldxw %r8, [%r1+32]
mul %r7, 256
jslt32 %r7, 7, out
jgt32 %r7, 8, out
jslt %r7, 2147483647, out
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(7)
call 1
jeq %r0, 0, out
add %r0, %r7
ldxb %r1, [%r0]
out:
mov %r0, 1
exit
