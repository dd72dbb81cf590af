# desc: an lddw with an unknown pseudo source (src=7)
# expect: reject
# kernel: unrecognized bpf_ld_imm64 insn
# maps: 3:array:4:16:4
# attach: select_or_migrate
# error: unrecognized bpf_ld_imm64 insn
lddw %r1, pseudo(7, 3, 0)
mov %r0, 1
exit
