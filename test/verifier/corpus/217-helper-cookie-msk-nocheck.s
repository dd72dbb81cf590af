# desc: get_socket_cookie(migrating_sk) without a check
# expect: accept
# maps: 
# attach: select_or_migrate
ldxdw %r1, [%r1+48]
call 46
mov %r0, 1
exit
