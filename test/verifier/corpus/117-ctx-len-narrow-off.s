# desc: 1-byte load of the second byte of len
# expect: accept
# maps: 
# attach: select_or_migrate
ldxb %r2, [%r1+17]
mov %r0, 1
exit
