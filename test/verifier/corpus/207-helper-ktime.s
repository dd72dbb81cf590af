# desc: ktime_get_ns
# expect: accept
# maps: 
# attach: select_or_migrate
call 5
mov %r0, 1
exit
