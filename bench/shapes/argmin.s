# argmin: r1 points at 16 little-endian u64 counters (r2 = 128); returns the index of the
# smallest (the first on ties). The same loop as examples/least_loaded.s.
mov %r0, 0
ldxdw %r3, [%r1]
mov %r4, 1
add %r1, 8
loop:
ldxdw %r5, [%r1]
jge %r5, %r3, next
mov %r3, %r5
mov %r0, %r4
next:
add %r1, 8
add %r4, 1
jne %r4, 16, loop
exit
