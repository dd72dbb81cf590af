# desc: rules: a 4-byte key read from the upper half of an 8-byte immediate store (under-accept before the fix)
# expect: accept
# maps: 3:array:4:16:4
# attach: select_or_migrate
# fuzz class rules.const-key, kernel-fuzz.ts seed 106 (1 106 rules), minimised by gen/minimize.ts against the pre-fix tree
mov %r6, %r1
stdw [%r10-8], 3
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
ldxb %r1, [%r0+0]
out:
mov %r0, 1
exit
