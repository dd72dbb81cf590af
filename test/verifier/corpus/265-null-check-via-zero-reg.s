# desc: NULL check of a lookup result against a register holding 0 (not an immediate)
# expect: reject
# kernel: R0 invalid mem access 'map_value_or_null'
# maps: 3:hash:4:8:4
# attach: select_or_migrate
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
mov %r6, 0
jeq %r0, %r6, out
ldxdw %r1, [%r0]
out:
mov %r0, 1
exit
