# desc: a store into the high half of a slot holding a narrow spill scrubs the spill: the key is no longer constant
# expect: reject
# kernel: R0 invalid mem access 'map_value_or_null'
# maps: 3:array:4:8:4
# attach: select_or_migrate
mov %r6, 1
stxw [%r10-8], %r6
stw [%r10-4], 0
mov %r2, %r10
add %r2, -8
lddw %r1, map_fd(3)
call 1
ldxdw %r1, [%r0]
mov %r0, 1
exit
