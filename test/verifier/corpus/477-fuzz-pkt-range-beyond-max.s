# desc: rules: a packet range check beyond MAX_PACKET_OFF proves nothing (over-accept, still different)
# expect: reject
# kernel: invalid access to packet, off=32767 size=1, R2(id=0,off=32767,r=0)
# maps: 
# attach: select_or_migrate
# fuzz class rules.pkt-max-off, kernel-fuzz.ts seed 139 (1 139 rules), minimised by gen/minimize.ts against the pre-fix tree
mov %r6, %r1
ldxdw %r2, [%r6+0]
ldxdw %r3, [%r6+8]
mov %r4, %r2
add %r4, 65536
jgt %r4, %r3, out
ldxb %r5, [%r2+32767]
out:
mov %r0, 1
exit
