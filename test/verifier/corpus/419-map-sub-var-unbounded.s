# desc: subtract a bounded unknown register from a map value pointer
# expect: reject
# kernel: R0 unbounded memory access, make sure to bounds check any such access
# maps: 3:array:4:16:4
# attach: select_or_migrate
# error: R0 unbounded memory access, make sure to bounds check any such access
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
ldxw %r2, [%r0]
and %r2, 8
add %r0, 8
sub %r0, %r2
ldxdw %r0, [%r0]
out:
mov %r0, 1
exit
