# desc: a 32-bit signed lower bound tightens a 64-bit range spanning two 32-bit blocks (kernel __reg_deduce_mixed_bounds)
# expect: accept
# maps: 3:array:4:16:4 7:array:4:256:1
# attach: select_or_migrate
mov %r6, %r1
ldxw %r7, [%r1+16]
ldxw %r8, [%r1+32]
lsh32 %r7, 13
add %r7, %r8
jslt32 %r7, 15, out
jsgt %r7, 8, out
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
