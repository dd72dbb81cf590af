# desc: bounds probe (found by a differential run over branches and tnums); Baton accepted it before its narrowing followed the kernel
# expect: reject
# kernel: math between map_value pointer and register with unbounded min value is not allowed
# maps: 3:array:4:16:4 7:array:4:256:1
# attach: select_or_migrate
# error: math between map_value pointer and register with unbounded min value is not allowed
mov %r6, %r1
ldxw %r7, [%r1+16]
ldxw %r8, [%r1+32]
and32 %r7, 7
or32 %r7, %r8
jlt %r7, 4, out
lsh %r7, 20
jslt32 %r7, 8, out
jsgt32 %r7, 65535, out
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
