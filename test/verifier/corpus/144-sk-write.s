# desc: write to ctx->sk
# expect: reject
# kernel: R2 cannot write into sock
# maps: 
# attach: select_or_migrate
# error: R2 cannot write into sock
ldxdw %r2, [%r1+40]
stw [%r2+16], 1
mov %r0, 1
exit
