# desc: byte store and load
# expect: accept
# maps: 
# attach: select_or_migrate
stb [%r10-1], 7
ldxb %r0, [%r10-1]
mov %r0, 1
exit
