# desc: get_numa_node_id
# expect: accept
# maps: 
# attach: select_or_migrate
call 42
mov %r0, 1
exit
