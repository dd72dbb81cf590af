# desc: key: zero bytes at fp-4 lose their zero-ness when a byte of the narrow spill below them is overwritten
# expect: reject
# kernel: R0 invalid mem access 'map_value_or_null'
# maps: 3:array:4:8:4
# attach: select_or_migrate
# error: R0 invalid mem access 'map_value_or_null'
stw [%r10-4], 0
stw [%r10-8], 5
stb [%r10-6], 1
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
ldxdw %r1, [%r0]
mov %r0, 1
exit
