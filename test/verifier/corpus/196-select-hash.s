# desc: sk_select_reuseport with a HASH
# expect: reject
# kernel: cannot pass map_type 1 into func bpf_sk_select_reuseport#82
# maps: 3:hash:4:8:16
# attach: select_or_migrate
# error: cannot pass map_type 1 into func bpf_sk_select_reuseport#82
mov %r6, %r1
ldxw %r7, [%r6+32]
and %r7, 3
stxw [%r10-4], %r7
mov %r1, %r6
lddw %r2, map_fd(3)
mov %r3, %r10
add %r3, -4
mov %r4, 0
call 82
mov %r0, 1
exit
