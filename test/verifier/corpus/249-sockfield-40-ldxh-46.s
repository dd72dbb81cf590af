# desc: ldxh at offset 46 of ctx->sk (NULL-checked)
# expect: reject
# kernel: R2 invalid sock access off=46 size=2
# maps: 
# attach: select_or_migrate
# error: R2 invalid sock access off=46 size=2
ldxdw %r2, [%r1+40]
jeq %r2, 0, out
ldxh %r3, [%r2+46]
out:
mov %r0, 1
exit
