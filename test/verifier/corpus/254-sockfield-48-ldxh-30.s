# desc: ldxh at offset 30 of ctx->migrating_sk (NULL-checked)
# expect: accept
# maps: 
# attach: select_or_migrate
ldxdw %r2, [%r1+48]
jeq %r2, 0, out
ldxh %r3, [%r2+30]
out:
mov %r0, 1
exit
