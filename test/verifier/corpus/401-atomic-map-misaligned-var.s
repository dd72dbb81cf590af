# desc: atomic add at a variable possibly misaligned offset into a map value
# expect: reject
# kernel: misaligned value access off (0x0; 0x4)+0+0 size 8
# maps: 3:array:4:16:4
# attach: select_or_migrate
# error: misaligned value access off (0x0; 0x4)+0+0 size 8
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
ldxw %r2, [%r0]
and %r2, 4
add %r0, %r2
mov %r1, 1
lock add [%r0], %r1
out:
mov %r0, 1
exit
