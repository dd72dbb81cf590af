# desc: 8-byte load of ctx->ip_protocol (bad)
# expect: reject
# kernel: invalid bpf_context access off=24 size=8
# maps: 
# attach: select_or_migrate
# error: invalid bpf_context access off=24 size=8
ldxdw %r2, [%r1+24]
mov %r0, 1
exit
