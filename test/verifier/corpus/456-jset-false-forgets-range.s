# desc: a jset fall-through forgets the register's range (kernel keeps only the tnum)
# expect: reject
# kernel: invalid access to map value, value_size=16 off=14 size=8
# maps: 3:array:4:16:4
# attach: select_or_migrate
# error: invalid access to map value, value_size=16 off=14 size=8
ldxw %r7, [%r1+16]
jgt %r7, 8, out
jset %r7, 1, out
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
add %r0, %r7
ldxdw %r1, [%r0]
out:
mov %r0, 1
exit
