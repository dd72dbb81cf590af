# desc: jne-style NULL check
# expect: accept
# maps: 
# attach: select_or_migrate
ldxdw %r2, [%r1+48]
jne %r2, 0, use
mov %r0, 1
exit
use:
ldxw %r4, [%r2+72]
mov %r0, 1
exit
