# desc: ctx minus stack pointer
# expect: accept
# maps: 
# attach: select_or_migrate
sub %r1, %r10
mov %r0, 1
exit
