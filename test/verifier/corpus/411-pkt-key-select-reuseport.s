# desc: a packet pointer as the key of bpf_sk_select_reuseport
# expect: reject
# kernel: helper access to the packet is not allowed
# maps: 4:reuseport_sockarray:4:8:4
# attach: select_or_migrate
# error: helper access to the packet is not allowed
ldxdw %r2, [%r1+0]
ldxdw %r3, [%r1+8]
mov %r4, %r2
add %r4, 8
jgt %r4, %r3, out
mov %r3, %r2
lddw %r2, map_fd(4)
mov %r4, 0
call 82
out:
mov %r0, 1
exit
