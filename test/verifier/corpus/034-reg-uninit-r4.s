# desc: read r4 before writing it
# expect: reject
# kernel: R4 !read_ok
# maps: 
# attach: select_or_migrate
# error: R4 !read_ok
mov %r0, %r4
mov %r0, 1
exit
