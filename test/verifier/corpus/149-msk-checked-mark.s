# desc: read migrating_sk->mark (not in sock_common)
# expect: reject
# kernel: R2 invalid sock_common access off=16 size=4
# maps: 
# attach: select_or_migrate
# error: R2 invalid sock_common access off=16 size=4
ldxdw %r2, [%r1+48]
jeq %r2, 0, out
ldxw %r3, [%r2+16]
out:
mov %r0, 1
exit
