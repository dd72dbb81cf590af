# call_heavy: for each of the 16 u32 words at r1 (r2 = 64), calls a local function that mixes
# it (xorshift steps) and another that folds it into an accumulator: 32 bpf-to-bpf calls per
# run. Returns the accumulator.
mov %r6, %r1
mov %r7, 0
mov %r8, 0
loop:
mov %r1, %r6
add %r1, %r7
ldxw %r1, [%r1]
call local mix
mov %r1, %r8
mov %r2, %r0
call local fold
mov %r8, %r0
add %r7, 4
jlt %r7, 64, loop
mov %r0, %r8
exit
mix:
mov %r0, %r1
lsh %r1, 13
xor %r0, %r1
mov %r1, %r0
rsh %r1, 7
xor %r0, %r1
mov %r1, %r0
lsh %r1, 17
xor %r0, %r1
exit
fold:
mov %r0, %r1
lsh %r0, 5
add %r0, %r1
add %r0, %r2
exit
