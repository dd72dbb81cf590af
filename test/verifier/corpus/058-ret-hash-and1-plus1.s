# desc: return (hash & 1) + 1
# expect: accept
# maps: 
# attach: select_or_migrate
# baton: reject (Baton-only rule: r0 at exit must be a scalar in [0, 1] (the kernel does not check sk_reuseport return values))
# error: At program exit the register R0 has smin=1 smax=2 should have been in [0, 1]
ldxw %r0, [%r1+32]
and %r0, 1
add %r0, 1
exit
