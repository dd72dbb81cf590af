# desc: a misaligned 8-byte non-atomic store into a map value (privileged: allowed)
# expect: accept
# maps: 3:array:4:16:4
# attach: select_or_migrate
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
stdw [%r0+2], 1
out:
mov %r0, 1
exit
