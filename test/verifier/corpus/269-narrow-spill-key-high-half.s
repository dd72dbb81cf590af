# desc: a constant key stored with stxw into the high half of a slot is unknown data for the kernel
# expect: reject
# kernel: R0 invalid mem access 'map_value_or_null'
# maps: 3:array:4:8:4
# attach: select_or_migrate
mov %r6, 2
stxw [%r10-4], %r6
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
ldxdw %r1, [%r0]
mov %r0, 1
exit
