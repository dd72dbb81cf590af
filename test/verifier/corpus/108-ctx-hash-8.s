# desc: 8-byte load of ctx->hash (bad)
# expect: reject
# kernel: invalid bpf_context access off=32 size=8
# maps: 
# attach: select_or_migrate
# error: invalid bpf_context access off=32 size=8
ldxdw %r2, [%r1+32]
mov %r0, 1
exit
