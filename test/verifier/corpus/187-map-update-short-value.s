# desc: map_update_elem with a 4-byte value slot for an 8-byte value
# expect: reject
# kernel: invalid read from stack R3 off=-4 size=8
# maps: 3:hash:4:8:16
# attach: select_or_migrate
# error: invalid read from stack R3 off=-4 size=8
stw [%r10-4], 0
stw [%r10-8], 5
mov %r2, %r10
add %r2, -4
mov %r3, %r10
add %r3, -4
mov %r4, 0
lddw %r1, map_fd(3)
call 2
mov %r0, 1
exit
