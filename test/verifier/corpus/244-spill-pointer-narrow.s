# desc: 4-byte store of the ctx pointer to the stack (found by differential fuzzing)
# expect: reject
# kernel: invalid size of register spill
# maps: 
# attach: select_or_migrate
# error: invalid size of register spill
stxw [%r10-4], %r1
mov %r0, 1
exit
