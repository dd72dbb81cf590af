# desc: skb_load_bytes_relative
# expect: accept
# maps: 
# attach: select_or_migrate
mov %r6, %r1
mov %r1, %r6
mov %r2, 0
mov %r3, %r10
add %r3, -8
mov %r4, 8
mov %r5, 1
call 68
mov %r0, 1
exit
