# desc: the first lookup's check does not cover the second result
# expect: reject
# kernel: R0 invalid mem access 'map_value_or_null'
# maps: 3:hash:4:8:16
# attach: select_or_migrate
# error: R0 invalid mem access 'map_value_or_null'
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
stw [%r10-8], 1
mov %r2, %r10
add %r2, -8
lddw %r1, map_fd(3)
call 1
ldxdw %r1, [%r0]
out:
mov %r0, 1
exit
