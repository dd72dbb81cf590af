# desc: skb_load_bytes 32 bytes into a 16-byte area
# expect: reject
# kernel: invalid write to stack R3 off=-16 size=32
# maps: 
# attach: select_or_migrate
# error: invalid write to stack R3 off=-16 size=32
mov %r6, %r1
mov %r1, %r6
mov %r2, 0
mov %r3, %r10
add %r3, -16
mov %r4, 32
call 26
mov %r0, 1
exit
