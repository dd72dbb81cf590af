# desc: store at the last valid slot
# expect: accept
# maps: 
# attach: select_or_migrate
stdw [%r10-512], 0
mov %r0, 1
exit
