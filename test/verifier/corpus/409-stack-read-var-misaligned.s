# desc: 4-byte stack read at a variable possibly misaligned offset
# expect: reject
# kernel: misaligned stack access off (0x0; 0x6)+-16+0 size 4
# maps: 3:array:4:16:4
# attach: select_or_migrate
# error: misaligned stack access off (0x0; 0x6)+-16+0 size 4
stdw [%r10-16], 0
stdw [%r10-8], 0
ldxw %r2, [%r1+16]
and %r2, 6
mov %r3, %r10
add %r3, -16
add %r3, %r2
ldxw %r0, [%r3]
mov %r0, 1
exit
