# desc: read before the value
# expect: reject
# kernel: invalid access to map value, value_size=8 off=-4 size=4
# maps: 3:hash:4:8:16
# attach: select_or_migrate
# error: invalid access to map value, value_size=8 off=-4 size=4
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
ldxw %r1, [%r0-4]
out:
mov %r0, 1
exit
