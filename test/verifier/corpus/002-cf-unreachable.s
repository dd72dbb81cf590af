# desc: an instruction after exit that nothing jumps to
# expect: reject
# kernel: unreachable insn 2
# maps: 
# attach: select_or_migrate
# error: unreachable insn 2
mov %r0, 1
exit
mov %r0, 0
exit
