# desc: ldxb at offset 72 of ctx->sk (NULL-checked)
# expect: accept
# maps: 
# attach: select_or_migrate
ldxdw %r2, [%r1+40]
jeq %r2, 0, out
ldxb %r3, [%r2+72]
out:
mov %r0, 1
exit
