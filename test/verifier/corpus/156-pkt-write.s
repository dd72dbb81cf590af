# desc: write into the packet after a check
# expect: reject
# kernel: cannot write into packet
# maps: 
# attach: select_or_migrate
# error: cannot write into packet
ldxdw %r2, [%r1+0]
ldxdw %r3, [%r1+8]
mov %r4, %r2
add %r4, 4
jgt %r4, %r3, out
stw [%r2], 0
out:
mov %r0, 1
exit
