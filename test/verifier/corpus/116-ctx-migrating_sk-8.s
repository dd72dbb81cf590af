# desc: 8-byte load of ctx->migrating_sk (ok)
# expect: accept
# maps: 
# attach: select_or_migrate
ldxdw %r2, [%r1+48]
mov %r0, 1
exit
