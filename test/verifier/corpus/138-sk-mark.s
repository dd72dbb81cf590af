# desc: read ctx->sk->mark
# expect: accept
# maps: 
# attach: select_or_migrate
ldxdw %r2, [%r1+40]
ldxw %r0, [%r2+16]
mov %r0, 1
exit
