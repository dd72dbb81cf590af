# desc: read at 56
# expect: reject
# kernel: invalid bpf_context access off=56 size=4
# maps: 
# attach: select_or_migrate
# error: invalid bpf_context access off=56 size=4
ldxw %r2, [%r1+56]
mov %r0, 1
exit
