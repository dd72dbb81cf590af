# least_loaded: r1 points at 16 little-endian u64 load counters (128 bytes, r2 = length);
# returns the index of the smallest counter (the first one on ties).
# Conformance dialect (FORMAT.md §2). About 87 instructions run on least_loaded.mem.
mov %r0, 0           # best index
ldxdw %r3, [%r1]     # best value
mov %r4, 1           # i
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
