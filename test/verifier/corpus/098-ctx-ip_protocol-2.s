# desc: 2-byte load of ctx->ip_protocol (ok)
# expect: accept
# maps: 
# attach: select_or_migrate
ldxh %r2, [%r1+24]
mov %r0, 1
exit
