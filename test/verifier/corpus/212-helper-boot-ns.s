# desc: ktime_get_boot_ns
# expect: accept
# maps: 
# attach: select_or_migrate
call 125
mov %r0, 1
exit
