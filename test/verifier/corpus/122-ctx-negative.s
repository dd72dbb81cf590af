# desc: read at -4
# expect: reject
# kernel: invalid bpf_context access off=-4 size=4
# maps: 
# attach: select_or_migrate
# error: invalid bpf_context access off=-4 size=4
ldxw %r2, [%r1-4]
mov %r0, 1
exit
