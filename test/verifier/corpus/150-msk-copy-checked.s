# desc: NULL-check a copy of migrating_sk and use the original
# expect: accept
# maps: 
# attach: select_or_migrate
ldxdw %r2, [%r1+48]
mov %r3, %r2
jeq %r3, 0, out
ldxw %r4, [%r2+72]
out:
mov %r0, 1
exit
