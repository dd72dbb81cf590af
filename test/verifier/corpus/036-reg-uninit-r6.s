# desc: read r6 before writing it
# expect: reject
# kernel: R6 !read_ok
# maps: 
# attach: select_or_migrate
# error: R6 !read_ok
mov %r0, %r6
mov %r0, 1
exit
