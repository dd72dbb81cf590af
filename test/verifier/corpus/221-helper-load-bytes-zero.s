# desc: skb_load_bytes with size 0
# expect: reject
# kernel: R4 invalid zero-sized read: u64=[0,0]
# maps: 
# attach: select_or_migrate
# error: R4 invalid zero-sized read: u64=[0,0]
mov %r6, %r1
mov %r1, %r6
mov %r2, 0
mov %r3, %r10
add %r3, -16
mov %r4, 0
call 26
mov %r0, 1
exit
