# desc: 32-bit div by constant 0
# expect: reject
# kernel: div by zero
# maps: 
# attach: select_or_migrate
# error: div by zero
mov %r0, 1
div32 %r0, 0
exit
