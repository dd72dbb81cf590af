# desc: 1-byte load of ctx->migrating_sk (bad)
# expect: reject
# kernel: invalid bpf_context access off=48 size=1
# maps: 
# attach: select_or_migrate
# error: invalid bpf_context access off=48 size=1
ldxb %r2, [%r1+48]
mov %r0, 1
exit
