# desc: 2-byte load of the upper half of eth_protocol
# expect: accept
# maps: 
# attach: select_or_migrate
ldxh %r2, [%r1+22]
mov %r0, 1
exit
