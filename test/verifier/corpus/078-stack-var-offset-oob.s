# desc: stack write at a variable offset that may pass fp
# expect: reject
# kernel: invalid variable-offset write to stack R3 var_off=(0x0; 0xf) off=-8 size=1
# maps: 
# attach: select_or_migrate
# error: invalid variable-offset write to stack R3 var_off=(0x0; 0xf) off=-8 size=1
ldxw %r2, [%r1+32]
and %r2, 15
mov %r3, %r10
add %r3, -8
add %r3, %r2
stb [%r3], 1
mov %r0, 1
exit
