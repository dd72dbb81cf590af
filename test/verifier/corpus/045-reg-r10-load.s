# desc: load into r10
# expect: reject
# kernel: frame pointer is read only
# maps: 
# attach: select_or_migrate
# error: frame pointer is read only
ldxw %r10, [%r1+32]
mov %r0, 1
exit
