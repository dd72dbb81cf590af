# desc: a function that calls itself
# expect: reject
# kernel: the call stack of 9 frames is too deep
# maps: 
# attach: select_or_migrate
# error: the call stack of 9 frames is too deep
call local f
mov %r0, 1
exit
f:
call local f
mov %r0, 1
exit
