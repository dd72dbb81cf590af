# desc: skb_load_bytes 16 bytes into the stack
# expect: accept
# maps: 
# attach: select_or_migrate
mov %r6, %r1
mov %r1, %r6
mov %r2, 0
mov %r3, %r10
add %r3, -16
mov %r4, 16
call 26
mov %r0, 1
exit
