# desc: scalar minus ctx
# expect: reject
# kernel: R2 tried to subtract pointer from scalar
# maps: 
# attach: select_or_migrate
# error: R2 tried to subtract pointer from scalar
mov %r2, 0
sub %r2, %r1
mov %r0, 1
exit
