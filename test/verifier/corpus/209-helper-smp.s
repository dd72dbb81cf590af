# desc: get_smp_processor_id
# expect: accept
# maps: 
# attach: select_or_migrate
call 8
mov %r0, 1
exit
