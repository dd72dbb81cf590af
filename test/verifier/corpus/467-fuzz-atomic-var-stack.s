# desc: atomics: an atomic on the stack at a variable offset (over-accept before the fix)
# expect: reject
# kernel: variable offset stack pointer cannot be passed into helper function; var_off=(0x0; 0x8) off=-32 size=8
# maps: 
# attach: select_or_migrate
# fuzz class atomic, kernel-fuzz.ts seed 111 (1 111 atomic), minimised by gen/minimize.ts against the pre-fix tree
mov %r6, %r1
mov %r7, %r10
add %r7, -32
ldxw %r3, [%r6+32]
and %r3, 1
lsh %r3, 3
add %r7, %r3
mov %r1, 1
lock xchg [%r7+0], %r1
out:
mov %r0, 1
exit
