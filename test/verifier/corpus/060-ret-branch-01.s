# desc: return 0 or 1 by branch
# expect: accept
# maps: 
# attach: select_or_migrate
ldxw %r2, [%r1+32]
mov %r0, 0
jgt %r2, 100, out
mov %r0, 1
out:
exit
