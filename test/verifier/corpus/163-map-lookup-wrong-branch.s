# desc: dereference on the NULL side of the check
# expect: reject
# kernel: R0 invalid mem access 'scalar'
# maps: 3:hash:4:8:16
# attach: select_or_migrate
# error: R0 invalid mem access 'scalar'
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jne %r0, 0, out
ldxdw %r1, [%r0]
out:
mov %r0, 1
exit
