# desc: skb_load_bytes then read the buffer
# expect: accept
# maps: 
# attach: select_or_migrate
mov %r6, %r1
mov %r1, %r6
mov %r2, 0
mov %r3, %r10
add %r3, -16
mov %r4, 8
call 26
ldxdw %r0, [%r10-16]
mov %r0, 1
exit
