# desc: add an uninitialized register
# expect: reject
# kernel: R7 !read_ok
# maps: 
# attach: select_or_migrate
# error: R7 !read_ok
mov %r0, 1
add %r0, %r7
exit
