# desc: atomic add on the stack at a misaligned constant offset
# expect: reject
# kernel: misaligned stack access off 0+0+-6 size 4
# maps:
# attach: select_or_migrate
# error: misaligned stack access off 0+0+-6 size 4
stdw [%r10-16], 0
stdw [%r10-8], 0
mov %r1, 1
lock add32 [%r10-6], %r1
mov %r0, 1
exit
