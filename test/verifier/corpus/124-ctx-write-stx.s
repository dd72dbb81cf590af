# desc: store a register into ctx->hash
# expect: reject
# kernel: invalid bpf_context access off=32 size=4
# maps: 
# attach: select_or_migrate
# error: invalid bpf_context access off=32 size=4
mov %r2, 0
stxw [%r1+32], %r2
mov %r0, 1
exit
