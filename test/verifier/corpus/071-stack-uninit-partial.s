# desc: read 8 bytes where 4 were written
# expect: accept
# maps: 
# attach: select_or_migrate
stw [%r10-8], 1
ldxdw %r0, [%r10-8]
mov %r0, 1
exit
