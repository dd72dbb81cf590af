# desc: skb_load_bytes with an unbounded size
# expect: reject
# kernel: R4 invalid zero-sized read: u64=[0,4294967295]
# maps: 
# attach: select_or_migrate
# error: R4 invalid zero-sized read: u64=[0,4294967295]
mov %r6, %r1
ldxw %r4, [%r6+32]
mov %r1, %r6
mov %r2, 0
mov %r3, %r10
add %r3, -16
call 26
mov %r0, 1
exit
