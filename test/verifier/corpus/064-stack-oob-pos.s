# desc: store above the frame pointer
# expect: reject
# kernel: invalid write to stack R10 off=8 size=8
# maps: 
# attach: select_or_migrate
# error: invalid write to stack R10 off=8 size=8
stdw [%r10+8], 0
mov %r0, 1
exit
