# desc: ldxb at offset 50 of ctx->sk (NULL-checked)
# expect: reject
# kernel: R2 invalid sock access off=50 size=1
# maps: 
# attach: select_or_migrate
# error: R2 invalid sock access off=50 size=1
ldxdw %r2, [%r1+40]
jeq %r2, 0, out
ldxb %r3, [%r2+50]
out:
mov %r0, 1
exit
