# desc: key: stb 0 x4 at fp-8..fp-5
# expect: reject
# kernel: R0 invalid mem access 'map_value_or_null'
# maps: 3:array:4:8:4
# attach: select_or_migrate
# error: R0 invalid mem access 'map_value_or_null'
stb [%r10-8], 0
stb [%r10-7], 0
stb [%r10-6], 0
stb [%r10-5], 0
mov %r2, %r10
add %r2, -8
lddw %r1, map_fd(3)
call 1
ldxdw %r1, [%r0]
mov %r0, 1
exit
