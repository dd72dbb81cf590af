# desc: 2-byte read of dst_port padding
# expect: reject
# kernel: R2 invalid sock access off=50 size=2
# maps: 
# attach: select_or_migrate
# error: R2 invalid sock access off=50 size=2
ldxdw %r2, [%r1+40]
ldxh %r0, [%r2+50]
mov %r0, 1
exit
