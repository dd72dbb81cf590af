# desc: caller uses 512 bytes of stack, callee 16 more
# expect: reject
# kernel: combined stack size of 2 calls is 528. Too large
# maps: 
# attach: select_or_migrate
# error: combined stack size of 2 calls is 528. Too large
stdw [%r10-512], 0
call local f
mov %r0, 1
exit
f:
stdw [%r10-16], 0
mov %r0, 1
exit
