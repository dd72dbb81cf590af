# desc: exit without setting r0
# expect: reject
# kernel: R0 !read_ok
# maps: 
# attach: select_or_migrate
# error: R0 !read_ok
exit
