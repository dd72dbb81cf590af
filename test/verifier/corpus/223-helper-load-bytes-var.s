# desc: skb_load_bytes with size (hash & 7) + 1
# expect: accept
# maps: 
# attach: select_or_migrate
mov %r6, %r1
ldxw %r4, [%r6+32]
and %r4, 7
add %r4, 1
mov %r1, %r6
mov %r2, 0
mov %r3, %r10
add %r3, -16
call 26
mov %r0, 1
exit
