# desc: read migrating_sk->state without a NULL check
# expect: reject
# kernel: R2 invalid mem access 'sock_common_or_null'
# maps: 
# attach: select_or_migrate
# error: R2 invalid mem access 'sock_common_or_null'
ldxdw %r2, [%r1+48]
ldxw %r0, [%r2+72]
mov %r0, 1
exit
