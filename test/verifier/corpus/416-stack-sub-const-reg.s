# desc: subtract a constant register from a stack pointer
# expect: reject
# kernel: R1 subtraction from stack pointer prohibited
# maps:
# attach: select_or_migrate
# error: R1 subtraction from stack pointer prohibited
stdw [%r10-8], 0
mov %r2, 8
mov %r1, %r10
sub %r1, %r2
ldxdw %r0, [%r1]
mov %r0, 1
exit
