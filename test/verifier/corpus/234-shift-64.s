# desc: lsh by 64
# expect: reject
# kernel: invalid shift 64
# maps: 
# attach: select_or_migrate
# error: invalid shift 64
mov %r0, 1
lsh %r0, 64
exit
