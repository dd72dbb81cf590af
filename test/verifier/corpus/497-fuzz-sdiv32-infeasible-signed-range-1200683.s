# desc: known bits (or, xor of a shifted value) contradict the signed range two signed jumps leave, so the kernel finds the map access dead and accepts; Baton does not detect the contradiction and rejects the pointer math (fuzz rules.sdiv32 seed 1200683, minimised)
# expect: accept
# maps: 7:array:4:256:1
# attach: select_or_migrate
# baton: reject
mov %r6, %r1
ldxw %r7, [%r6+24]
sdiv32 %r7, 1000
lsh %r7, 20
xor %r7, -8
jsgt %r7, 7, out
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
