# desc: 4-byte load of ctx->ip_protocol (ok)
# expect: accept
# maps: 
# attach: select_or_migrate
ldxw %r2, [%r1+24]
mov %r0, 1
exit
