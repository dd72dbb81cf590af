# desc: key: stxdw of a zero register at fp-8, key at fp-8
# expect: reject
# kernel: R0 invalid mem access 'map_value_or_null'
# maps: 3:array:4:8:4
# attach: select_or_migrate
# error: R0 invalid mem access 'map_value_or_null'
mov %r6, 0
stxdw [%r10-8], %r6
mov %r2, %r10
add %r2, -8
lddw %r1, map_fd(3)
call 1
ldxdw %r1, [%r0]
mov %r0, 1
exit
