# desc: ktime_get_coarse_ns
# expect: accept
# maps: 
# attach: select_or_migrate
call 160
mov %r0, 1
exit
