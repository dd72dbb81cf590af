# desc: r1 is not readable after a helper call
# expect: reject
# kernel: R1 !read_ok
# maps: 
# attach: select_or_migrate
# error: R1 !read_ok
call 7
mov %r0, %r1
mov %r0, 1
exit
