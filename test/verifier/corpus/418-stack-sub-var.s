# desc: subtract a bounded unknown register from a stack pointer
# expect: reject
# kernel: R1 subtraction from stack pointer prohibited
# maps:
# attach: select_or_migrate
# error: R1 subtraction from stack pointer prohibited
stdw [%r10-16], 0
stdw [%r10-8], 0
ldxw %r2, [%r1+16]
and %r2, 8
mov %r1, %r10
add %r1, -8
sub %r1, %r2
ldxdw %r0, [%r1]
mov %r0, 1
exit
