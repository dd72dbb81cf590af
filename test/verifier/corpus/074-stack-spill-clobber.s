# desc: overwrite half a spilled ctx then fill it and dereference
# expect: reject
# kernel: R2 invalid mem access 'scalar'
# maps: 
# attach: select_or_migrate
# error: R2 invalid mem access 'scalar'
stxdw [%r10-8], %r1
stw [%r10-8], 0
ldxdw %r2, [%r10-8]
ldxw %r0, [%r2+32]
mov %r0, 1
exit
