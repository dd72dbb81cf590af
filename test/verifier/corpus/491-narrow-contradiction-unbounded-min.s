# desc: contradictory 32-bit bounds after a shifted subtraction: the kernel keeps the side with an unbounded register
# expect: reject
# kernel: math between map_value pointer and register with unbounded min value is not allowed
# maps: 3:array:4:16:4 7:array:4:256:1
# attach: select_or_migrate
# error: math between map_value pointer and register with unbounded min value is not allowed
mov %r6, %r1
ldxw %r7, [%r1+16]
ldxw %r8, [%r1+32]
sub32 %r7, 3
lsh %r7, 8
jsgt32 %r7, 8, out
jslt32 %r7, 1, out
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
add %r0, %r7
ldxb %r1, [%r0]
out:
mov %r0, 1
exit
