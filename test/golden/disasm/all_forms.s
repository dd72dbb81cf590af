# One instruction of every form the dialect has (not meant to run).
add %r1, 2
add32 %r1, %r2
sdiv %r3, -7
smod32 %r3, %r4
movsx864 %r1, %r2
movsx1632 %r1, %r2
movsx3264 %r1, %r2
neg %r5
le16 %r1
be64 %r1
bswap32 %r1
lddw %r0, 0x8000000000000000
lddw %r1, map_value(5, 16)
lddw %r1, pseudo(4, 3, 0)
ldxb %r0, [%r1]
ldxsh %r0, [%r1+2]
ldxdw %r0, [%r10-8]
stb [%r10-1], 0xff
sth [%r10-2], -1
stxw [%r10-4], %r9
ldabsw 4
ldindh %r1, 0
jeq %r1, 0x7fffffff, back
back:
jsle32 %r1, %r2, back
ja +0
ja32 -3
call 5
call local func
call runtime 7
call %r3
lock fetch xor32 [%r10-4], %r1
lock xchg [%r10-8], %r2
lock cmpxchg32 [%r10-4], %r3
exit
func:
mov32 %r0, 0xdeadbeef
exit
