# desc: read ctx->sk->family
# expect: accept
# maps: 
# attach: select_or_migrate
ldxdw %r2, [%r1+40]
ldxw %r0, [%r2+4]
mov %r0, 1
exit
