# desc: rules: a constant key written by an 8-byte store of an immediate stays map_value_or_null in the kernel (over-accept before the fix)
# expect: reject
# kernel: R0 invalid mem access 'map_value_or_null'
# maps: 3:array:4:16:4
# attach: select_or_migrate
# fuzz class rules.const-key, kernel-fuzz.ts seed 406 (1 406 rules), minimised by gen/minimize.ts against the pre-fix tree
stdw [%r10-8], 0
mov %r2, %r10
add %r2, -8
lddw %r1, map_fd(3)
call 1
ldxb %r1, [%r0+0]
exit
