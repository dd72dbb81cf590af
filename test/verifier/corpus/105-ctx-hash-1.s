# desc: 1-byte load of ctx->hash (bad)
# expect: reject
# kernel: invalid bpf_context access off=32 size=1
# maps: 
# attach: select_or_migrate
# error: invalid bpf_context access off=32 size=1
ldxb %r2, [%r1+32]
mov %r0, 1
exit
