# desc: a constant key stored with stw (immediate) at an aligned slot proves the lookup non-NULL
# expect: accept
# maps: 3:array:4:8:4
# attach: select_or_migrate
stw [%r10-8], 3
mov %r2, %r10
add %r2, -8
lddw %r1, map_fd(3)
call 1
ldxdw %r1, [%r0]
mov %r0, 1
exit
