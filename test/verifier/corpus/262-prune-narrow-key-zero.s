# desc: pruning soundness: a key (0 or 7) stored with stxw; only key 0 proves the array lookup non-NULL
# expect: reject
# kernel: R0 invalid mem access 'map_value_or_null'
# maps: 3:array:4:8:4
# attach: select_or_migrate
mov %r3, 0
mov %r3, 0
mov %r3, 0
mov %r3, 0
mov %r3, 0
mov %r3, 0
mov %r3, 0
mov %r3, 0
ldxw %r2, [%r1+32]
mov %r6, 0
jgt %r2, 5, big
ja join
big:
mov %r6, 7
join:
stxw [%r10-4], %r6
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
ldxdw %r1, [%r0]
mov %r0, 1
exit
