# table_lookup: r1 points at 64 u32 keys followed by a 256-entry u32 table (r2 = 1280); for each
# key, looks up table[key & 255] and then table[(value >> 8) & 255] (two dependent lookups,
# like a map lookup in a loop), summing the second values.
mov %r0, 0
mov %r3, 0
mov %r6, %r1
add %r6, 256
loop:
mov %r4, %r1
add %r4, %r3
ldxw %r5, [%r4]
and %r5, 255
lsh %r5, 2
mov %r7, %r6
add %r7, %r5
ldxw %r5, [%r7]
rsh %r5, 8
and %r5, 255
lsh %r5, 2
mov %r7, %r6
add %r7, %r5
ldxw %r5, [%r7]
add %r0, %r5
add %r3, 4
jlt %r3, 256, loop
exit
