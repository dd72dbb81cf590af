# desc: rules: a packet pointer as a helper key (over-accept before the fix)
# expect: reject
# kernel: helper access to the packet is not allowed
# maps: 4:reuseport_sockarray:4:8:4
# attach: select_or_migrate
# fuzz class rules.pkt-key, kernel-fuzz.ts seed 108 (1 108 rules), minimised by gen/minimize.ts against the pre-fix tree
mov %r6, %r1
ldxdw %r2, [%r6+0]
ldxdw %r3, [%r6+8]
mov %r4, %r2
add %r4, 4
jgt %r4, %r3, out
mov %r3, %r2
lddw %r2, map_fd(4)
call 82
out:
mov %r0, 1
exit
