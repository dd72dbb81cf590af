# desc: jump before insn 0
# expect: reject
# kernel: jump out of range from insn 1 to -3
# maps: 
# attach: select_or_migrate
# error: jump out of range from insn 1 to -3
mov %r0, 1
ja -5
exit
