# desc: cmpxchg through a scalar address register
# expect: reject
# kernel: R2 invalid mem access 'scalar'
# maps:
# attach: select_or_migrate
# error: R2 invalid mem access 'scalar'
mov %r1, 1
mov %r0, 0
mov %r2, 0
lock cmpxchg [%r2], %r1
mov %r0, 1
exit
