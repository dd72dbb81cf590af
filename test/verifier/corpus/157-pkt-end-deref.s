# desc: dereference data_end
# expect: reject
# kernel: R3 invalid mem access 'pkt_end'
# maps: 
# attach: select_or_migrate
# error: R3 invalid mem access 'pkt_end'
ldxdw %r3, [%r1+8]
ldxb %r0, [%r3]
mov %r0, 1
exit
