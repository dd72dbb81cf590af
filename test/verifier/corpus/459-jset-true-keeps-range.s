# desc: a jset taken branch with a single bit: does the range survive
# expect: accept
# maps: 3:array:4:16:4
# attach: select_or_migrate
ldxw %r7, [%r1+16]
jgt %r7, 8, out
jset %r7, 1, body
ja out
body:
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
