# desc: read 4 bytes after checking data + 4 <= data_end
# expect: accept
# maps: 
# attach: select_or_migrate
ldxdw %r2, [%r1+0]
ldxdw %r3, [%r1+8]
mov %r4, %r2
add %r4, 4
jgt %r4, %r3, out
ldxw %r0, [%r2]
out:
mov %r0, 1
exit
