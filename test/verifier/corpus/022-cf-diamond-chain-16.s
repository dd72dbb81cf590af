# desc: 16 sequential if/else on hash bits with a counter
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
jset %r6, 256, s8
add %r7, 1
s8:
jset %r6, 512, s9
add %r7, 1
s9:
jset %r6, 1024, s10
add %r7, 1
s10:
jset %r6, 2048, s11
add %r7, 1
s11:
jset %r6, 4096, s12
add %r7, 1
s12:
jset %r6, 8192, s13
add %r7, 1
s13:
jset %r6, 16384, s14
add %r7, 1
s14:
jset %r6, 32768, s15
add %r7, 1
s15:
mov %r0, 1
exit
