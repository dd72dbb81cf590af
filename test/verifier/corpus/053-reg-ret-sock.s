# desc: return ctx->sk
# expect: accept
# maps: 
# attach: select_or_migrate
ldxdw %r0, [%r1+40]
exit
