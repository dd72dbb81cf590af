# desc: 4-byte load at fp-6
# expect: reject
# kernel: misaligned stack access off 0+0+-6 size 4
# maps: 
# attach: select_or_migrate
# error: misaligned stack access off 0+0+-6 size 4
stdw [%r10-8], 0
ldxw %r0, [%r10-6]
mov %r0, 1
exit
