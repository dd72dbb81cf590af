# desc: get_socket_cookie(ctx)
# expect: reject
# kernel: R1 type=ctx expected=sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_
# maps: 
# attach: select_or_migrate
# error: R1 type=ctx expected=sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_
call 46
mov %r0, 1
exit
