# desc: pass ctx as the key
# expect: reject
# kernel: R2 type=ctx expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_
# maps: 3:hash:4:8:16
# attach: select_or_migrate
# error: R2 type=ctx expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_
mov %r2, %r1
lddw %r1, map_fd(3)
call 1
mov %r0, 1
exit
