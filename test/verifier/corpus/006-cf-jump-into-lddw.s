# desc: jump into the second slot of an lddw
# expect: reject
# kernel: jump into the middle of ldimm64 insn 2
# maps: 
# attach: select_or_migrate
# error: jump into the middle of ldimm64 insn 2
mov %r0, 1
jeq %r0, 0, +1
lddw %r1, 0x100000000
exit
