# desc: r6 survives a helper call
# expect: accept
# maps: 
# attach: select_or_migrate
mov %r6, 1
call 7
mov %r0, %r6
exit
