# desc: 2-byte load of the upper half of hash
# expect: reject
# kernel: invalid bpf_context access off=34 size=2
# maps: 
# attach: select_or_migrate
# error: invalid bpf_context access off=34 size=2
ldxh %r2, [%r1+34]
mov %r0, 1
exit
