# desc: atomic add at a constant misaligned offset into a map value
# expect: reject
# kernel: misaligned value access off 0+0+2 size 8
# maps: 3:array:4:16:4
# attach: select_or_migrate
# error: misaligned value access off 0+0+2 size 8
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
mov %r1, 1
lock add [%r0+2], %r1
out:
mov %r0, 1
exit
