# desc: add 4 to ctx then load
# expect: reject
# kernel: dereference of modified ctx ptr R1 off=4 disallowed
# maps: 
# attach: select_or_migrate
# error: dereference of modified ctx ptr R1 off=4 disallowed
add %r1, 4
ldxw %r0, [%r1+0]
mov %r0, 1
exit
