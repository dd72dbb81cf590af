# desc: read the packet without a range check
# expect: reject
# kernel: invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)
# maps: 
# attach: select_or_migrate
# error: invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)
ldxdw %r2, [%r1+0]
ldxb %r0, [%r2]
mov %r0, 1
exit
