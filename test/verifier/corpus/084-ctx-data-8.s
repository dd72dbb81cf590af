# desc: 8-byte load of ctx->data (ok)
# expect: accept
# maps: 
# attach: select_or_migrate
ldxdw %r2, [%r1+0]
mov %r0, 1
exit
