# desc: ldxb at offset 6 of ctx->sk (NULL-checked)
# expect: reject
# kernel: R2 invalid sock access off=6 size=1
# maps: 
# attach: select_or_migrate
# error: R2 invalid sock access off=6 size=1
ldxdw %r2, [%r1+40]
jeq %r2, 0, out
ldxb %r3, [%r2+6]
out:
mov %r0, 1
exit
