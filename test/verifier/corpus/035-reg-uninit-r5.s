# desc: read r5 before writing it
# expect: reject
# kernel: R5 !read_ok
# maps: 
# attach: select_or_migrate
# error: R5 !read_ok
mov %r0, %r5
mov %r0, 1
exit
