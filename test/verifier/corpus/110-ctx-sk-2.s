# desc: 2-byte load of ctx->sk (bad)
# expect: reject
# kernel: invalid bpf_context access off=40 size=2
# maps: 
# attach: select_or_migrate
# error: invalid bpf_context access off=40 size=2
ldxh %r2, [%r1+40]
mov %r0, 1
exit
