# desc: ldxh at offset 44 of ctx->migrating_sk (NULL-checked)
# expect: accept
# maps: 
# attach: select_or_migrate
ldxdw %r2, [%r1+48]
jeq %r2, 0, out
ldxh %r3, [%r2+44]
out:
mov %r0, 1
exit
