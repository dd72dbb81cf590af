# desc: 8-byte load of ctx->sk (ok)
# expect: accept
# maps: 
# attach: select_or_migrate
ldxdw %r2, [%r1+40]
mov %r0, 1
exit
