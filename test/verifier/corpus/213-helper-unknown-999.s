# desc: helper id 999
# expect: reject
# kernel: invalid func unknown#999
# maps: 
# attach: select_or_migrate
# error: invalid func unknown#999
call 999
mov %r0, 1
exit
