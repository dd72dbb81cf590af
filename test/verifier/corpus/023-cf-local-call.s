# desc: call a local function returning 1
# expect: accept
# maps: 
# attach: select_or_migrate
call local f
exit
f:
mov %r0, 1
exit
