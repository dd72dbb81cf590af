# desc: loop bounded by an unknown value from ctx
# expect: reject
# kernel: BPF program is too large. Processed 1000001 insn
# maps: 
# attach: select_or_migrate
# error: BPF program is too large. Processed 1000001 insn
ldxw %r2, [%r1+32]
mov %r1, 0
lp:
add %r1, 1
jlt %r1, %r2, lp
mov %r0, 1
exit
