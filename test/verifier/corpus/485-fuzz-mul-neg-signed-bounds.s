# desc: a u32 times -3 is in [-3*(2^32-1), 0] in the kernel, so after 'if r7 s< 0' r7 is 0 (signed mul bounds, kernel scalar_min_max_mul; Baton under-accepted it before it multiplied signed bounds)
# expect: accept
# maps: 7:array:4:256:1
# attach: select_or_migrate
# fuzz class rules.sdiv32, kernel-fuzz.ts seed 2519 (1 2519 rules), found on the live tree at b37e177, minimised by gen/minimize.ts
mov %r6, %r1
ldxw %r7, [%r6+32]
mul %r7, -3
jslt %r7, 0, out
mov %r2, %r10
add %r2, -8
lddw %r1, map_fd(7)
call 1
jeq %r0, 0, out
add %r0, %r7
ldxb %r2, [%r0+0]
out:
mov %r0, 1
exit
