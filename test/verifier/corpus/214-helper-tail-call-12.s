# desc: tail_call without a prog array
# expect: reject
# kernel: R2 !read_ok
# maps: 
# attach: select_or_migrate
# error: R2 !read_ok
call 12
mov %r0, 1
exit
