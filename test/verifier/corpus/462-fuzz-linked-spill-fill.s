# desc: linked registers through a spill/fill: the kernel narrows the filled copy with the original (under-accept: Baton rejects)
# expect: accept
# maps: 5:array:4:8:2
# attach: select_or_migrate
# fuzz class linked, kernel-fuzz.ts seed 100 (1 100 linked), minimised by gen/minimize.ts against the pre-fix tree
mov %r6, %r1
ldxw %r7, [%r6+20]
ldxw %r9, [%r6+32]
jgt %r9, 2, L0
stxdw [%r10-8], %r7
ldxdw %r8, [%r10-8]
ja L1
L0:
mov %r8, %r7
L1:
jle %r8, 0, L2
ja out
L2:
mov %r9, %r7
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(5)
call 1
jeq %r0, 0, out
add %r0, %r9
ldxw %r1, [%r0+0]
out:
mov %r0, 1
exit
