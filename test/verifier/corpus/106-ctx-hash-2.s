# desc: 2-byte load of ctx->hash (bad)
# expect: reject
# kernel: invalid bpf_context access off=32 size=2
# maps: 
# attach: select_or_migrate
# error: invalid bpf_context access off=32 size=2
ldxh %r2, [%r1+32]
mov %r0, 1
exit
