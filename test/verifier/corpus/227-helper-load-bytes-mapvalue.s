# desc: skb_load_bytes into a map value
# expect: accept
# maps: 3:hash:4:8:16
# attach: select_or_migrate
mov %r6, %r1
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
mov %r1, %r6
mov %r2, 0
mov %r3, %r0
mov %r4, 8
call 26
out:
mov %r0, 1
exit
