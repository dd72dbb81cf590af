# desc: key: stdw 0 at fp-8 (8-byte spill of zero), key at fp-8
# expect: reject
# kernel: R0 invalid mem access 'map_value_or_null'
# maps: 3:array:4:8:4
# attach: select_or_migrate
# error: R0 invalid mem access 'map_value_or_null'
stdw [%r10-8], 0
mov %r2, %r10
add %r2, -8
lddw %r1, map_fd(3)
call 1
ldxdw %r1, [%r0]
mov %r0, 1
exit
