# desc: 4-byte load of ctx->bind_inany (ok)
# expect: accept
# maps: 
# attach: select_or_migrate
ldxw %r2, [%r1+28]
mov %r0, 1
exit
