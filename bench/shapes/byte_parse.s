# byte_parse: reads big-endian 16-bit length-prefixed records (a TLV walk, the way packet
# parsers read headers with ldxb and shifts): each record is a 1-byte type, a 2-byte
# big-endian length and that many value bytes; returns the sum over records of
# type * 65536 + the first value byte's high nibble * 256 + length. Stops with fewer than 4
# bytes left, at a record that does not fit, or after 64 records.
mov %r0, 0
mov %r3, 0
mov %r9, 0
loop:
jge %r9, 64, done
mov %r4, %r3
add %r4, 4
jgt %r4, %r2, done
sub %r4, 1
mov %r5, %r1
add %r5, %r3
ldxb %r6, [%r5]
ldxb %r7, [%r5+1]
lsh %r7, 8
ldxb %r8, [%r5+2]
or %r7, %r8
mov %r8, %r4
add %r8, %r7
jgt %r8, %r2, done
lsh %r6, 16
add %r0, %r6
add %r0, %r7
jeq %r7, 0, next
ldxb %r6, [%r5+3]
rsh %r6, 4
lsh %r6, 8
add %r0, %r6
next:
mov %r3, %r8
add %r9, 1
ja loop
done:
exit
