# desc: migration-aware select: sockarray on SYN, hash on migration
# expect: accept
# maps: 4:reuseport_sockarray:4:8:4
# attach: select_or_migrate
mov %r6, %r1
ldxdw %r7, [%r6+48]
jne %r7, 0, migrate
mov %r0, 1
exit
migrate:
ldxw %r8, [%r6+32]
and %r8, 1
stxw [%r10-4], %r8
mov %r1, %r6
lddw %r2, map_fd(4)
mov %r3, %r10
add %r3, -4
mov %r4, 0
call 82
mov %r0, 1
exit
