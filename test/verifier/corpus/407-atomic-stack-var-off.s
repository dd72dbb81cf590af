# desc: cmpxchg through a stack pointer with an unknown offset
# expect: reject
# kernel: variable offset stack pointer cannot be passed into helper function; var_off=(0x0; 0x8) off=-16 size=8
# maps:
# attach: select_or_migrate
# error: variable offset stack pointer cannot be passed into helper function; var_off=(0x0; 0x8) off=-16 size=8
stdw [%r10-16], 0
stdw [%r10-8], 0
ldxw %r2, [%r1+16]
and %r2, 8
mov %r3, %r10
add %r3, -16
add %r3, %r2
mov %r1, 1
mov %r0, 0
lock cmpxchg [%r3], %r1
mov %r0, 1
exit
