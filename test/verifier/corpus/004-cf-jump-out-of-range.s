# desc: jump past the end
# expect: reject
# kernel: jump out of range from insn 1 to 7
# maps: 
# attach: select_or_migrate
# error: jump out of range from insn 1 to 7
mov %r0, 1
ja +5
exit
