# desc: jiffies64
# expect: accept
# maps: 
# attach: select_or_migrate
call 118
mov %r0, 1
exit
