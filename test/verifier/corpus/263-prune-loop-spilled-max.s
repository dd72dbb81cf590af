# desc: pruning soundness: a loop keeps a running value in a stack slot that later indexes a map value
# expect: reject
# kernel: invalid access to map value, value_size=8 off=15 size=1
# maps: 3:array:4:8:4
# attach: select_or_migrate
ldxw %r2, [%r1+32]
stdw [%r10-16], 0
mov %r8, 0
lp:
jge %r8, 16, done
ldxw %r2, [%r1+32]
jge %r2, %r8, skip
stxdw [%r10-16], %r8
skip:
add %r8, 1
ja lp
done:
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(3)
call 1
jeq %r0, 0, out
ldxdw %r7, [%r10-16]
add %r0, %r7
ldxb %r1, [%r0]
out:
mov %r0, 1
exit
