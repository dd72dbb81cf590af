# desc: stack write at a bounded variable offset
# expect: accept
# maps: 
# attach: select_or_migrate
ldxw %r2, [%r1+32]
and %r2, 7
mov %r3, %r10
add %r3, -16
add %r3, %r2
stb [%r3], 1
mov %r0, 1
exit
