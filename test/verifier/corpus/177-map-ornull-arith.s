# desc: arithmetic on the lookup result before the check
# expect: reject
# kernel: R0 pointer arithmetic on map_value_or_null prohibited, null-check it first
# maps: 3:hash:4:8:16
# attach: select_or_migrate
# error: R0 pointer arithmetic on map_value_or_null prohibited, null-check it first
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
add %r0, 4
mov %r0, 1
exit
