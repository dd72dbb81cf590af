# desc: return a pointer to the callee's stack
# expect: reject
# kernel: cannot return stack pointer to the caller
# maps: 
# attach: select_or_migrate
# error: cannot return stack pointer to the caller
call local f
mov %r0, 1
exit
f:
stdw [%r10-8], 0
mov %r0, %r10
add %r0, -8
exit
