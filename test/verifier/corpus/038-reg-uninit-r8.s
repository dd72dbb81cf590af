# desc: read r8 before writing it
# expect: reject
# kernel: R8 !read_ok
# maps: 
# attach: select_or_migrate
# error: R8 !read_ok
mov %r0, %r8
mov %r0, 1
exit
