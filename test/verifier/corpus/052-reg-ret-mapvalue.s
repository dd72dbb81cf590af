# desc: return a map value pointer
# expect: accept
# maps: 3:array:4:8:4
# attach: select_or_migrate
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
exit
