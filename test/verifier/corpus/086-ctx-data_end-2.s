# desc: 2-byte load of ctx->data_end (bad)
# expect: reject
# kernel: invalid bpf_context access off=8 size=2
# maps: 
# attach: select_or_migrate
# error: invalid bpf_context access off=8 size=2
ldxh %r2, [%r1+8]
mov %r0, 1
exit
