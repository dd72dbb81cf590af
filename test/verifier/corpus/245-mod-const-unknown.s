# desc: 0 % 10 used as a map value offset: the kernel forgets quotients, even of constants (found by differential fuzzing)
# expect: reject
# kernel: invalid access to map value, value_size=16 off=17 size=8
# maps: 3:hash:4:16:16
# attach: select_or_migrate
# error: invalid access to map value, value_size=16 off=17 size=8
mov %r7, 0
mod %r7, 10
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
mov %r1, %r7
and %r1, 15
add %r0, %r1
ldxdw %r8, [%r0+2]
out:
mov %r0, 1
exit
