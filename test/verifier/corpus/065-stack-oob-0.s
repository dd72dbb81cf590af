# desc: store at r10+0
# expect: reject
# kernel: invalid write to stack R10 off=0 size=4
# maps: 
# attach: select_or_migrate
# error: invalid write to stack R10 off=0 size=4
stw [%r10+0], 0
mov %r0, 1
exit
