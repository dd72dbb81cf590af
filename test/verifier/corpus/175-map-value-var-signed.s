# desc: signed index that may be negative
# expect: reject
# kernel: value -2147483648 makes map_value pointer be out of bounds
# maps: 3:hash:4:16:16
# attach: select_or_migrate
# error: value -2147483648 makes map_value pointer be out of bounds
mov %r6, %r1
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
ldxw %r2, [%r6+32]
lsh %r2, 32
arsh %r2, 32
jsgt %r2, 8, out
add %r0, %r2
ldxw %r1, [%r0]
out:
mov %r0, 1
exit
