# desc: pass a number as the map
# expect: reject
# kernel: R1 type=scalar expected=map_ptr
# maps: 3:hash:4:8:16
# attach: select_or_migrate
# error: R1 type=scalar expected=map_ptr
stw [%r10-4], 0
mov %r2, %r10
add %r2, -4
mov %r1, 3
call 1
mov %r0, 1
exit
