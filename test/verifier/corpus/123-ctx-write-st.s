# desc: store an immediate into ctx->len
# expect: reject
# kernel: invalid bpf_context access off=16 size=4
# maps: 
# attach: select_or_migrate
# error: invalid bpf_context access off=16 size=4
stw [%r1+16], 0
mov %r0, 1
exit
