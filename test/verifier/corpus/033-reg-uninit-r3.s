# desc: read r3 before writing it
# expect: reject
# kernel: R3 !read_ok
# maps: 
# attach: select_or_migrate
# error: R3 !read_ok
mov %r0, %r3
mov %r0, 1
exit
