# desc: cmpxchg with the map value pointer in r0 (the compared register is the address)
# expect: reject
# kernel: misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8
# maps: 3:array:4:16:4
# attach: select_or_migrate
# error: misaligned access off (0x0; 0xffffffffffffffff)+0+0 size 8
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
mov %r1, 1
lock cmpxchg [%r0], %r1
out:
mov %r0, 1
exit
