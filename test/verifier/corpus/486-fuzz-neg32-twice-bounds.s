# desc: neg32 twice of a value in [0, 255] is that value again; the kernel keeps the bounds (Baton under-accepted it until 64-bit add and sub tracked 32-bit bounds)
# expect: accept
# maps: 7:array:4:256:1
# attach: select_or_migrate
# fuzz class rules.sdiv32, kernel-fuzz.ts seed 11147 (1 11147 rules), found on the live tree at ac884bc + working tree, 15:50
mov %r6, %r1
ldxw %r7, [%r6+24]
and %r7, 255
neg32 %r7
neg32 %r7
stw [%r10-8], 0
mov %r2, %r10
add %r2, -8
lddw %r1, map_fd(7)
call 1
jeq %r0, 0, out
add %r0, %r7
ldxb %r2, [%r0+0]
out:
mov %r0, 1
exit
