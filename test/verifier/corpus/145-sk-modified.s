# desc: add to the sk pointer
# expect: reject
# kernel: R2 pointer arithmetic on sock prohibited
# maps: 
# attach: select_or_migrate
# error: R2 pointer arithmetic on sock prohibited
ldxdw %r2, [%r1+40]
add %r2, 4
mov %r0, 1
exit
