# desc: read the padding at 36
# expect: reject
# kernel: invalid bpf_context access off=36 size=4
# maps: 
# attach: select_or_migrate
# error: invalid bpf_context access off=36 size=4
ldxw %r2, [%r1+36]
mov %r0, 1
exit
