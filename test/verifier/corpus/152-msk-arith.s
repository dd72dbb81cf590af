# desc: arithmetic on migrating_sk before the check
# expect: reject
# kernel: R2 pointer arithmetic on sock_common_or_null prohibited, null-check it first
# maps: 
# attach: select_or_migrate
# error: R2 pointer arithmetic on sock_common_or_null prohibited, null-check it first
ldxdw %r2, [%r1+48]
add %r2, 8
mov %r0, 1
exit
