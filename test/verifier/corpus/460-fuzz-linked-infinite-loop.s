# desc: linked registers: a branch on r7 bounds its copy r8 on one path only; a pruned unlinked path loops forever (over-accept before the fix)
# expect: reject
# kernel: infinite loop detected at insn 10
# maps: 
# attach: select_or_migrate
# fuzz class linked, kernel-fuzz.ts seed 370 (1 370 linked), minimised by gen/minimize.ts against the pre-fix tree
mov %r6, %r1
ldxw %r7, [%r6+28]
ldxw %r9, [%r6+20]
jset %r9, 1, L0
mov %r8, %r7
mov %r5, 1
ja L1
L0:
mov %r8, %r7
mov %r7, 0
L1:
jge %r7, 64, out
L2:
jgt %r8, 63, L2
out:
mov %r0, 1
exit
