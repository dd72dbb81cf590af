# desc: a malformed lddw (map fd pseudo source, second immediate 5) in dead code
# expect: reject
# kernel: unrecognized bpf_ld_imm64 insn
# maps: 3:array:4:16:4
# attach: select_or_migrate
# error: unrecognized bpf_ld_imm64 insn
mov %r0, 1
exit
lddw %r1, pseudo(1, 3, 5)
exit
