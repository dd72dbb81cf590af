# desc: 1-byte load of ctx->ip_protocol (ok)
# expect: accept
# maps: 
# attach: select_or_migrate
ldxb %r2, [%r1+24]
mov %r0, 1
exit
