# desc: get_prandom_u32
# expect: accept
# maps: 
# attach: select_or_migrate
call 7
and %r0, 1
exit
