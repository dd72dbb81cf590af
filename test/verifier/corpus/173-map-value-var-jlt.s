# desc: variable offset bounded by a jlt check
# expect: accept
# maps: 3:hash:4:16:16
# attach: select_or_migrate
mov %r6, %r1
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
ldxw %r2, [%r6+32]
jge %r2, 12, out
add %r0, %r2
ldxw %r1, [%r0]
out:
mov %r0, 1
exit
