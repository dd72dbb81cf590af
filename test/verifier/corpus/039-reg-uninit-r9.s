# desc: read r9 before writing it
# expect: reject
# kernel: R9 !read_ok
# maps: 
# attach: select_or_migrate
# error: R9 !read_ok
mov %r0, %r9
mov %r0, 1
exit
