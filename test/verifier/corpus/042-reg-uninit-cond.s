# desc: compare an uninitialized register
# expect: reject
# kernel: R6 !read_ok
# maps: 
# attach: select_or_migrate
# error: R6 !read_ok
mov %r0, 1
jeq %r6, 0, +0
exit
