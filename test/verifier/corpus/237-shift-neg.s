# desc: arsh by -1
# expect: reject
# kernel: invalid shift -1
# maps: 
# attach: select_or_migrate
# error: invalid shift -1
mov %r0, 1
arsh %r0, -1
exit
