# desc: a stack pointer with a bounded variable offset as a map key
# expect: accept
# maps: 3:array:4:16:4
# attach: select_or_migrate
stdw [%r10-16], 0
stdw [%r10-8], 0
ldxw %r2, [%r1+16]
and %r2, 4
mov %r6, %r10
add %r6, -16
add %r6, %r2
mov %r2, %r6
lddw %r1, map_fd(3)
call 1
mov %r0, 1
exit
