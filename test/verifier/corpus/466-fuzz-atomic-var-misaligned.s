# desc: atomics: an atomic at a variable, possibly misaligned map value offset (over-accept before the fix)
# expect: reject
# kernel: misaligned value access off (0x0; 0x7)+0+0 size 4
# maps: 5:array:4:8:2
# attach: select_or_migrate
# fuzz class atomic, kernel-fuzz.ts seed 146 (1 146 atomic), minimised by gen/minimize.ts against the pre-fix tree
mov %r6, %r1
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(5)
call 1
jeq %r0, 0, out
mov %r7, %r0
ldxw %r3, [%r6+20]
jgt %r3, 4, out
add %r7, %r3
mov %r1, 2
lock fetch add32 [%r7+0], %r1
out:
mov %r0, 1
exit
