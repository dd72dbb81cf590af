# desc: a variable-offset stack key whose range reaches past fp
# expect: reject
# kernel: invalid variable-offset read from stack R2 var_off=(0x0; 0x8) off=-8 size=4
# maps: 3:array:4:16:4
# attach: select_or_migrate
# error: invalid variable-offset read from stack R2 var_off=(0x0; 0x8) off=-8 size=4
stdw [%r10-8], 0
ldxw %r2, [%r1+16]
and %r2, 8
mov %r6, %r10
add %r6, -8
add %r6, %r2
mov %r2, %r6
lddw %r1, map_fd(3)
call 1
mov %r0, 1
exit
