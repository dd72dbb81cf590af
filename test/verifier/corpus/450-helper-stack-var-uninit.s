# desc: a variable-offset stack key over never-written stack (privileged)
# expect: accept
# maps: 3:array:4:16:4
# attach: select_or_migrate
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
