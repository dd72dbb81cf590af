# desc: pruning soundness: a key (1 or 9) stored with stxw at an aligned slot; only key 1 proves the lookup non-NULL
# expect: reject
# kernel: R0 invalid mem access 'map_value_or_null'
# maps: 3:array:4:8:4
# attach: select_or_migrate
mov %r3, 0
mov %r3, 0
mov %r3, 0
mov %r3, 0
ldxw %r2, [%r1+32]
mov %r6, 1
jgt %r2, 5, big
ja join
big:
mov %r6, 9
join:
stxw [%r10-8], %r6
mov %r2, %r10
add %r2, -8
lddw %r1, map_fd(3)
call 1
ldxdw %r1, [%r0]
mov %r0, 1
exit
