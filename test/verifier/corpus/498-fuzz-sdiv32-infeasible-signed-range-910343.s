# desc: known bits (or, xor of a shifted value) contradict the signed range two signed jumps leave, the bounds deduction across the sign boundary (kernel __reg32_deduce_bounds, __reg64_deduce_bounds) makes the fall-through dead, so the map access is never checked (fuzz rules.sdiv32 seed 910343, minimised)
# expect: accept
# maps: 7:array:4:256:1
# attach: select_or_migrate
mov %r6, %r1
ldxw %r7, [%r6+20]
sdiv32 %r7, 3
or %r7, 60
jsgt %r7, 15, out
jslt %r7, 0, out
mov %r2, %r10
add %r2, -8
lddw %r1, map_fd(7)
call 1
jeq %r0, 0, out
add %r0, %r7
out:
mov %r0, 1
exit
