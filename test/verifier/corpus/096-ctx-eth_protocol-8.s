# desc: 8-byte load of ctx->eth_protocol (bad)
# expect: reject
# kernel: invalid bpf_context access off=20 size=8
# maps: 
# attach: select_or_migrate
# error: invalid bpf_context access off=20 size=8
ldxdw %r2, [%r1+20]
mov %r0, 1
exit
