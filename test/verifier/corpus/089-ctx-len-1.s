# desc: 1-byte load of ctx->len (ok)
# expect: accept
# maps: 
# attach: select_or_migrate
ldxb %r2, [%r1+16]
mov %r0, 1
exit
