# desc: local function returns without setting r0
# expect: accept
# maps: 
# attach: select_or_migrate
call local f
mov %r0, 1
exit
f:
exit
