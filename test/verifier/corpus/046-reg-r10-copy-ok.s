# desc: copy r10 and add to the copy
# expect: accept
# maps: 
# attach: select_or_migrate
mov %r2, %r10
add %r2, -8
mov %r0, 1
exit
