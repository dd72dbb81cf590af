# desc: 2-byte load of ctx->eth_protocol (ok)
# expect: accept
# maps: 
# attach: select_or_migrate
ldxh %r2, [%r1+20]
mov %r0, 1
exit
