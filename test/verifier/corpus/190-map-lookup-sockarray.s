# desc: map_lookup_elem on a REUSEPORT_SOCKARRAY
# expect: reject
# kernel: cannot pass map_type 20 into func bpf_map_lookup_elem#1
# maps: 4:reuseport_sockarray:4:8:4
# attach: select_or_migrate
# error: cannot pass map_type 20 into func bpf_map_lookup_elem#1
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(4)
call 1
mov %r0, 1
exit
