# desc: 2-byte read of sk->src_port
# expect: accept
# maps: 
# attach: select_or_migrate
ldxdw %r2, [%r1+40]
ldxh %r0, [%r2+44]
mov %r0, 1
exit
