# desc: store below 512 bytes
# expect: reject
# kernel: invalid write to stack R10 off=-520 size=8
# maps: 
# attach: select_or_migrate
# error: invalid write to stack R10 off=-520 size=8
stdw [%r10-520], 0
mov %r0, 1
exit
