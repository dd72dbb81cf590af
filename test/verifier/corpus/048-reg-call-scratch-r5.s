# desc: r5 is not readable after a helper call
# expect: reject
# kernel: R5 !read_ok
# maps: 
# attach: select_or_migrate
# error: R5 !read_ok
mov %r5, 1
call 7
mov %r0, %r5
exit
