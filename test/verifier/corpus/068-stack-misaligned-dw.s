# desc: 8-byte store at fp-4
# expect: reject
# kernel: misaligned stack access off 0+0+-4 size 8
# maps: 
# attach: select_or_migrate
# error: misaligned stack access off 0+0+-4 size 8
stdw [%r10-4], 0
mov %r0, 1
exit
