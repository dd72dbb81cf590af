# desc: 1-byte load of ctx->bind_inany (ok)
# expect: accept
# maps: 
# attach: select_or_migrate
ldxb %r2, [%r1+28]
mov %r0, 1
exit
