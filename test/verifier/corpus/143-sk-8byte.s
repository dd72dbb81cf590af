# desc: 8-byte read of sk->family
# expect: reject
# kernel: R2 invalid sock access off=0 size=8
# maps: 
# attach: select_or_migrate
# error: R2 invalid sock access off=0 size=8
ldxdw %r2, [%r1+40]
ldxdw %r0, [%r2+0]
mov %r0, 1
exit
