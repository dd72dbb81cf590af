# desc: read r7 before writing it
# expect: reject
# kernel: R7 !read_ok
# maps: 
# attach: select_or_migrate
# error: R7 !read_ok
mov %r0, %r7
mov %r0, 1
exit
