# hash_mod: FNV-1a (64-bit) over the r2 input bytes, then the result modulo 7 — a hash pick
# over 7 listeners.
lddw %r0, 0xcbf29ce484222325
lddw %r6, 0x100000001b3
mov %r3, 0
jge %r3, %r2, done
loop:
mov %r4, %r1
add %r4, %r3
ldxb %r5, [%r4]
xor %r0, %r5
mul %r0, %r6
add %r3, 1
jlt %r3, %r2, loop
done:
mod %r0, 7
exit
