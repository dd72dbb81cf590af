# desc: scalar plus ctx, then load
# expect: reject
# kernel: dereference of modified ctx ptr R2 off=32 disallowed
# maps: 
# attach: select_or_migrate
# error: dereference of modified ctx ptr R2 off=32 disallowed
mov %r2, 32
add %r2, %r1
ldxw %r0, [%r2]
mov %r0, 1
exit
