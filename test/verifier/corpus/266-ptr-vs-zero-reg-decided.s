# desc: a valid pointer compared with a register holding 0 is never equal (the dead branch reads R5)
# expect: reject
# kernel: R5 !read_ok
# maps:
# attach: select_or_migrate
mov %r6, 0
mov %r2, %r10
jeq %r2, %r6, bad
mov %r0, 1
exit
bad:
mov %r0, %r5
exit
