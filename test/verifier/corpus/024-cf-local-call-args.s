# desc: local function adds its two arguments
# expect: accept
# maps: 
# attach: select_or_migrate
mov %r1, 0
mov %r2, 1
call local f
exit
f:
mov %r0, %r1
add %r0, %r2
exit
