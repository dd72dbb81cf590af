# desc: 4-byte load of ctx->migrating_sk (bad)
# expect: reject
# kernel: invalid bpf_context access off=48 size=4
# maps: 
# attach: select_or_migrate
# error: invalid bpf_context access off=48 size=4
ldxw %r2, [%r1+48]
mov %r0, 1
exit
