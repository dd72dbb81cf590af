# desc: 4-byte load of ctx->data (bad)
# expect: reject
# kernel: invalid bpf_context access off=0 size=4
# maps: 
# attach: select_or_migrate
# error: invalid bpf_context access off=0 size=4
ldxw %r2, [%r1+0]
mov %r0, 1
exit
