# desc: pass ctx to a local function that reads hash
# expect: accept
# maps: 
# attach: select_or_migrate
call local f
mov %r0, 1
exit
f:
ldxw %r0, [%r1+32]
exit
