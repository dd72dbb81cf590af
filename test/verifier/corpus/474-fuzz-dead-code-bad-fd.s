# desc: rules: an lddw of an fd that names no map in dead code (over-accept before the fix)
# expect: reject
# kernel: lddw names map fd(9), which no 'map' line declares
# maps: 
# attach: select_or_migrate
# fuzz class rules.dead-bad-fd, kernel-fuzz.ts seed 138 (1 138 rules), minimised by gen/minimize.ts against the pre-fix tree
mov %r5, 3
jne %r5, 5, L0
lddw %r1, map_fd(9)
L0:
mov %r0, 1
exit
