# desc: 8-byte load of ctx->data_end (ok)
# expect: accept
# maps: 
# attach: select_or_migrate
ldxdw %r2, [%r1+8]
mov %r0, 1
exit
