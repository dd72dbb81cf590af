# desc: linked registers with a delta: r7 = r8 + 1 on one path, r7 = r8 on the other; a signed bound on r7 bounds r8 in the kernel (BPF_ADD_CONST links; under-accept on the live tree)
# expect: accept
# maps: 
# attach: select_or_migrate
# fuzz class linked, kernel-fuzz.ts seed 2040 (1 2040 linked), found on the live tree at b37e177, minimised by gen/minimize.ts
mov %r6, %r1
ldxw %r8, [%r6+20]
ldxw %r9, [%r6+32]
jeq %r9, 0, L0
mov %r7, %r8
add %r7, 1
ja L1
L0:
mov %r7, %r8
L1:
jsgt %r7, 1, out
mov %r2, %r10
add %r2, -64
add %r2, %r8
stb [%r2+0], 1
out:
mov %r0, 1
exit
