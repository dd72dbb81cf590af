# desc: read sk at 80
# expect: reject
# kernel: R2 invalid sock access off=80 size=4
# maps: 
# attach: select_or_migrate
# error: R2 invalid sock access off=80 size=4
ldxdw %r2, [%r1+40]
ldxw %r0, [%r2+80]
mov %r0, 1
exit
