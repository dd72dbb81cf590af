# desc: callee-saved r6 survives a local call
# expect: accept
# maps: 
# attach: select_or_migrate
mov %r6, 1
call local f
mov %r0, %r6
exit
f:
mov %r0, 0
exit
