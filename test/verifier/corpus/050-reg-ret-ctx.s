# desc: return the ctx pointer
# expect: accept
# maps: 
# attach: select_or_migrate
# baton: reject (Baton-only rule: r0 at exit must be a scalar in [0, 1] (the kernel does not check sk_reuseport return values))
# error: R0 leaks addr as return value
mov %r0, %r1
exit
