# desc: sign-extending load from the stack
# expect: accept
# maps: 
# attach: select_or_migrate
stw [%r10-4], -1
ldxsw %r0, [%r10-4]
mov %r0, 1
exit
