# desc: ja -1: jumps to itself forever
# expect: reject
# kernel: unreachable insn 2
# maps: 
# attach: select_or_migrate
# error: unreachable insn 2
mov %r0, 1
lp:
ja lp
exit
