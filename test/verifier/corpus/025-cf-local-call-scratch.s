# desc: r1 is scratched after a local call
# expect: reject
# kernel: R1 !read_ok
# maps: 
# attach: select_or_migrate
# error: R1 !read_ok
mov %r6, %r1
call local f
ldxw %r0, [%r1+32]
mov %r0, 1
exit
f:
mov %r0, 1
exit
