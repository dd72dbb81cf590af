# desc: lddw map_fd with a non-zero second immediate
# expect: reject
# kernel: unrecognized bpf_ld_imm64 insn
# maps: 3:array:4:16:4
# attach: select_or_migrate
# error: unrecognized bpf_ld_imm64 insn
lddw %r1, pseudo(1, 3, 5)
mov %r0, 1
exit
