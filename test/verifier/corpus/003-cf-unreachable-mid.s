# desc: unreachable block between two exits
# expect: reject
# kernel: unreachable insn 2
# maps: 
# attach: select_or_migrate
# error: unreachable insn 2
mov %r0, 1
ja out
mov %r0, 0
out:
exit
