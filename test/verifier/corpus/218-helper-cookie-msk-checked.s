# desc: get_socket_cookie(migrating_sk) after a check
# expect: accept
# maps: 
# attach: select_or_migrate
ldxdw %r1, [%r1+48]
jeq %r1, 0, out
call 46
out:
mov %r0, 1
exit
