# desc: a packet read past the proven range through a pointer with a fixed offset
# expect: reject
# kernel: invalid access to packet, off=9 size=1, R4(id=0,off=9,r=8)
# maps:
# attach: select_or_migrate
# error: invalid access to packet, off=9 size=1, R4(id=0,off=9,r=8)
ldxdw %r2, [%r1+0]
ldxdw %r3, [%r1+8]
mov %r4, %r2
add %r4, 8
jgt %r4, %r3, out
ldxb %r5, [%r4+1]
out:
mov %r0, 1
exit
