# desc: return hash % 2 (division result unknown to the kernel)
# expect: accept
# maps: 
# attach: select_or_migrate
# baton: reject (Baton-only rule: r0 at exit must be a scalar in [0, 1] (the kernel does not check sk_reuseport return values))
# error: At program exit the register R0 has unknown scalar value should have been in [0, 1]
ldxw %r0, [%r1+32]
mod %r0, 2
exit
