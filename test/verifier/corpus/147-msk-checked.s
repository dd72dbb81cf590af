# desc: read migrating_sk->state after a NULL check
# expect: accept
# maps: 
# attach: select_or_migrate
ldxdw %r2, [%r1+48]
jeq %r2, 0, out
ldxw %r3, [%r2+72]
out:
mov %r0, 1
exit
