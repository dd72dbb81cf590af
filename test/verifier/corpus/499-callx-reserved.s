# desc: callx (call through a register) is refused by do_check for sk_reuseport programs ("unknown opcode 8d"); Baton crashed on it before (found by a memory-program property test)
# expect: reject
# kernel: unknown opcode 8d
# maps: 7:array:4:8:1
# attach: select_or_migrate
mov %r0, 1
call %r0
mov %r0, 1
exit
