# desc: last instruction is not exit
# expect: reject
# kernel: last insn is not an exit or jmp
# maps: 
# attach: select_or_migrate
# error: last insn is not an exit or jmp
mov %r0, 1
exit
mov %r0, 0
