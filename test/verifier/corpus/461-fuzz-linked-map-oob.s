# desc: linked registers: a map value offset bounded only through a copy on one path (over-accept before the fix)
# expect: reject
# kernel: invalid access to map value, value_size=256 off=4095 size=1
# maps: 7:array:4:256:1
# attach: select_or_migrate
# fuzz class linked, kernel-fuzz.ts seed 167 (1 167 linked), minimised by gen/minimize.ts against the pre-fix tree
mov %r6, %r1
ldxw %r8, [%r6+32]
and %r8, 4095
ldxw %r9, [%r6+16]
jeq %r9, 0, L0
mov %r7, %r8
ja L1
L0:
mov %r7, %r8
mov %r8, 1
L1:
jge %r8, 4, out
mov %r9, %r7
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(7)
call 1
jeq %r0, 0, out
add %r0, %r9
stb [%r0+0], 1
out:
mov %r0, 1
exit
