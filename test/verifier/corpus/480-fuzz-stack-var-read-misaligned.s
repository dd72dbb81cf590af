# desc: rules: a 4-byte stack read at a variable, possibly misaligned offset (over-accept before the fix)
# expect: reject
# kernel: misaligned stack access off (0x0; 0x3)+-32+0 size 4
# maps: 
# attach: select_or_migrate
# fuzz class rules.stack-var-read, kernel-fuzz.ts seed 176 (1 176 rules), minimised by gen/minimize.ts against the pre-fix tree
mov %r6, %r1
ldxw %r3, [%r6+16]
and %r3, 3
mov %r2, %r10
add %r2, -32
add %r2, %r3
ldxw %r4, [%r2+0]
out:
mov %r0, 1
exit
