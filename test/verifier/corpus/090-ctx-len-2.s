# desc: 2-byte load of ctx->len (ok)
# expect: accept
# maps: 
# attach: select_or_migrate
ldxh %r2, [%r1+16]
mov %r0, 1
exit
