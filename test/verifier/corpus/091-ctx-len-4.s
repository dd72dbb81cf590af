# desc: 4-byte load of ctx->len (ok)
# expect: accept
# maps: 
# attach: select_or_migrate
ldxw %r2, [%r1+16]
mov %r0, 1
exit
