# desc: 8 sequential if/else on hash bits
# expect: accept
# maps: 
# attach: select_or_migrate
ldxw %r6, [%r1+32]
mov %r7, 0
jset %r6, 1, s0
add %r7, 1
s0:
jset %r6, 2, s1
add %r7, 1
s1:
jset %r6, 4, s2
add %r7, 1
s2:
jset %r6, 8, s3
add %r7, 1
s3:
jset %r6, 16, s4
add %r7, 1
s4:
jset %r6, 32, s5
add %r7, 1
s5:
jset %r6, 64, s6
add %r7, 1
s6:
jset %r6, 128, s7
add %r7, 1
s7:
mov %r0, 1
exit
