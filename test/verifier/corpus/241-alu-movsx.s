# desc: sign-extending moves
# expect: accept
# maps: 
# attach: select_or_migrate
ldxw %r2, [%r1+32]
movsx864 %r0, %r2
movsx1632 %r0, %r2
mov %r0, 1
exit
