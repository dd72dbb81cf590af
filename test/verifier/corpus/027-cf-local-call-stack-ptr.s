# desc: pass a pointer to the caller's stack
# expect: accept
# maps: 
# attach: select_or_migrate
stdw [%r10-8], 7
mov %r1, %r10
add %r1, -8
call local f
mov %r0, 1
exit
f:
ldxdw %r0, [%r1]
exit
