# desc: ldxb at offset 8 of ctx->migrating_sk (NULL-checked)
# expect: reject
# kernel: R2 invalid sock_common access off=8 size=1
# maps: 
# attach: select_or_migrate
# error: R2 invalid sock_common access off=8 size=1
ldxdw %r2, [%r1+48]
jeq %r2, 0, out
ldxb %r3, [%r2+8]
out:
mov %r0, 1
exit
