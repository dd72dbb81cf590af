# desc: redirect (not for this program type)
# expect: reject
# kernel: program of this type cannot use helper bpf_redirect#23
# maps: 
# attach: select_or_migrate
# error: program of this type cannot use helper bpf_redirect#23
call 23
mov %r0, 1
exit
