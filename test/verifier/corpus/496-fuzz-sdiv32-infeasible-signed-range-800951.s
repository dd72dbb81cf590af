# desc: known bits (or, xor of a shifted value) contradict the signed range two signed jumps leave, so the kernel finds the map access dead and accepts; Baton does not detect the contradiction and rejects the pointer math (fuzz rules.sdiv32 seed 800951, minimised)
# expect: accept
# maps: 7:array:4:256:1
# attach: select_or_migrate
# baton: reject
mov %r6, %r1
ldxw %r7, [%r6+28]
or %r7, 240
jsgt32 %r7, 7, out
jslt32 %r7, 0, out
mov %r2, %r10
add %r2, -8
lddw %r1, map_fd(7)
call 1
jeq %r0, 0, out
add %r0, %r7
out:
mov %r0, 1
exit
