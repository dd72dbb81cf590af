# desc: key pointer at fp-2 with a 4-byte key
# expect: reject
# kernel: invalid read from stack R2 off=-2 size=4
# maps: 3:hash:4:8:16
# attach: select_or_migrate
# error: invalid read from stack R2 off=-2 size=4
sth [%r10-2], 0
mov %r2, %r10
add %r2, -2
lddw %r1, map_fd(3)
call 1
mov %r0, 1
exit
