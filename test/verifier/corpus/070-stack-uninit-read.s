# desc: read a stack slot never written
# expect: accept
# maps: 
# attach: select_or_migrate
ldxdw %r0, [%r10-8]
mov %r0, 1
exit
