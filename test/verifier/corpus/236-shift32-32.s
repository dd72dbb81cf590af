# desc: 32-bit rsh by 32
# expect: reject
# kernel: invalid shift 32
# maps: 
# attach: select_or_migrate
# error: invalid shift 32
mov %r0, 1
rsh32 %r0, 32
exit
