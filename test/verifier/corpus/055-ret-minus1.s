# desc: return -1
# expect: accept
# maps: 
# attach: select_or_migrate
# baton: reject (Baton-only rule: r0 at exit must be a scalar in [0, 1] (the kernel does not check sk_reuseport return values))
# error: At program exit the register R0 has smin=-1 smax=-1 should have been in [0, 1]
mov %r0, -1
exit
