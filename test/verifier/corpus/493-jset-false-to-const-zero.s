# desc: a jset fall-through that clears every possible bit leaves a constant 0, no contradiction
# expect: accept
# maps: 3:array:4:16:4 7:array:4:256:1
# attach: select_or_migrate
mov %r6, %r1
ldxw %r7, [%r1+16]
ldxw %r8, [%r1+32]
jslt32 %r7, 1, out
jset %r7, 2147483647, out
jset %r7, 255, out
jlt32 %r7, 16, out
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
