# argmin with its independent instructions in another order (the counter steps before the load,
# the pointer is indexed instead of advanced, the selection's two moves swapped): the same result
# as argmin.s on every input, a different instruction stream.
mov %r4, 1
ldxdw %r3, [%r1]
mov %r0, 0
mov %r6, %r1
loop:
mov %r7, %r4
lsh %r7, 3
mov %r8, %r6
add %r8, %r7
ldxdw %r5, [%r8]
add %r4, 1
jle %r3, %r5, next
mov %r0, %r4
sub %r0, 1
mov %r3, %r5
next:
jlt %r4, 16, loop
exit
