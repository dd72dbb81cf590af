# desc: loop whose state never changes
# expect: reject
# kernel: infinite loop detected at insn 2
# maps: 
# attach: select_or_migrate
# error: infinite loop detected at insn 2
mov %r0, 1
mov %r1, 0
lp:
jeq %r1, 1, out
ja lp
out:
exit
