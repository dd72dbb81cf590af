# desc: bpf_get_socket_cookie with migrating_sk not NULL-tested
# expect: accept
# maps:
# attach: select_or_migrate
ldxdw %r1, [%r1+40]
call 46
mov %r0, 1
exit
