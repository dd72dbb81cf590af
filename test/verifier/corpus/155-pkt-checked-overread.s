# desc: read 8 bytes after checking only 4
# expect: reject
# kernel: invalid access to packet, off=0 size=8, R2(id=0,off=0,r=4)
# maps: 
# attach: select_or_migrate
# error: invalid access to packet, off=0 size=8, R2(id=0,off=0,r=4)
ldxdw %r2, [%r1+0]
ldxdw %r3, [%r1+8]
mov %r4, %r2
add %r4, 4
jgt %r4, %r3, out
ldxdw %r0, [%r2]
out:
mov %r0, 1
exit
