# desc: loop of 600000 iterations exceeds the 1M budget
# expect: reject
# kernel: BPF program is too large. Processed 1000001 insn
# maps: 
# attach: select_or_migrate
# error: BPF program is too large. Processed 1000001 insn
mov %r1, 0
lp:
add %r1, 1
jlt %r1, 600000, lp
mov %r0, 1
exit
