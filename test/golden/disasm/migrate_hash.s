# sk_reuseport/migrate policy: pick a listener by hash % 4 from a REUSEPORT_SOCKARRAY (fd 3),
# falling back to the kernel's choice; a counter in an ARRAY map (fd 4) counts migrations.
mov %r6, %r1                  # keep ctx
ldxdw %r7, [%r6+48]           # migrating_sk (NULL unless migrating)
jeq %r7, 0, select
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
lddw %r1, map_fd(4)
call 1                        # map_lookup_elem
jeq %r0, 0, select
mov %r1, 1
lock add [%r0], %r1
select:
ldxw %r8, [%r6+32]            # hash
mod32 %r8, 4
stxw [%r10-8], %r8
mov %r1, %r6
lddw %r2, map_fd(3)
mov %r3, %r10
add %r3, -8
mov %r4, 0
call 82                       # sk_select_reuseport
mov %r0, 1                    # SK_PASS: fall back to the default choice on error too
exit
