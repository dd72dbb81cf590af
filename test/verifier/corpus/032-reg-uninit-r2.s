# desc: read r2 before writing it
# expect: reject
# kernel: R2 !read_ok
# maps: 
# attach: select_or_migrate
# error: R2 !read_ok
mov %r0, %r2
mov %r0, 1
exit
