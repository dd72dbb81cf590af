# desc: a packet range beyond MAX_PACKET_OFF
# expect: reject
# kernel: invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)
# maps:
# attach: select_or_migrate
ldxdw %r2, [%r1+0]
ldxdw %r3, [%r1+8]
mov %r4, %r2
add %r4, 0x10000
jgt %r4, %r3, out
ldxb %r0, [%r2+0]
out:
mov %r0, 1
exit
