# desc: get_socket_cookie(ctx->sk)
# expect: accept
# maps: 
# attach: select_or_migrate
ldxdw %r1, [%r1+40]
call 46
mov %r0, 1
exit
