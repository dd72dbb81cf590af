# desc: add a variable to ctx then load
# expect: reject
# kernel: variable ctx access var_off=(0x0; 0x4) disallowed
# maps: 
# attach: select_or_migrate
# error: variable ctx access var_off=(0x0; 0x4) disallowed
ldxw %r2, [%r1+32]
and %r2, 4
add %r1, %r2
ldxw %r0, [%r1+16]
mov %r0, 1
exit
