# desc: map_update_elem with stack key and value
# expect: accept
# maps: 3:hash:4:8:16
# attach: select_or_migrate
stw [%r10-4], 0
stdw [%r10-16], 5
mov %r2, %r10
add %r2, -4
mov %r3, %r10
add %r3, -16
mov %r4, 0
lddw %r1, map_fd(3)
call 2
mov %r0, 1
exit
