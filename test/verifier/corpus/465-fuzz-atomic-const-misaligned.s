# desc: atomics: xchg32 at a constant misaligned map value offset (over-accept before the fix)
# expect: reject
# kernel: misaligned value access off 0+0+1 size 4
# maps: 5:array:4:8:2
# attach: select_or_migrate
# fuzz class atomic, kernel-fuzz.ts seed 110 (1 110 atomic), minimised by gen/minimize.ts against the pre-fix tree
mov %r6, %r1
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(5)
call 1
jeq %r0, 0, out
mov %r7, %r0
mov %r1, 7
lock xchg32 [%r7+1], %r1
out:
mov %r0, 1
exit
