# desc: write to r10
# expect: reject
# kernel: frame pointer is read only
# maps: 
# attach: select_or_migrate
# error: frame pointer is read only
mov %r10, 0
mov %r0, 1
exit
