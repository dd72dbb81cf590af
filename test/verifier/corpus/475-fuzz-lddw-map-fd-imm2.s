# desc: rules: lddw map_fd with a non-zero second immediate (over-accept before the fix)
# expect: reject
# kernel: unrecognized bpf_ld_imm64 insn
# maps: 3:array:4:16:4
# attach: select_or_migrate
# fuzz class rules.lddw-imm2, kernel-fuzz.ts seed 101 (1 101 rules), minimised by gen/minimize.ts against the pre-fix tree
lddw %r1, pseudo(1, 3, -1)
mov %r0, 1
exit
