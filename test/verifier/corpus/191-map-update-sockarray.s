# desc: map_update_elem on a REUSEPORT_SOCKARRAY
# expect: reject
# kernel: cannot pass map_type 20 into func bpf_map_update_elem#2
# maps: 4:reuseport_sockarray:4:8:4
# attach: select_or_migrate
# error: cannot pass map_type 20 into func bpf_map_update_elem#2
stw [%r10-4], 0
stdw [%r10-16], 5
mov %r2, %r10
add %r2, -4
mov %r3, %r10
add %r3, -16
mov %r4, 0
lddw %r1, map_fd(4)
call 2
mov %r0, 1
exit
