/**
 * bpf_skb_load_bytes (26) and bpf_skb_load_bytes_relative (68) as sk_reuseport programs get
 * them (filter.c: sk_reuseport_load_bytes[_relative] → ____bpf_skb_load_bytes[_relative]).
 * On any failure the destination is zeroed and the result is -EFAULT, as the kernel does.
 *
 * skb_load_bytes: offset is relative to skb->data (ctx `data`); it fails when offset > INT_MAX
 * or offset + len passes the end of the packet bytes Baton holds (the kernel's bound is
 * skb->len, which may include paged data Baton does not model).
 * skb_load_bytes_relative: offset > 0xffff fails; start_header BPF_HDR_START_NET (1) is the
 * packet's first byte, BPF_HDR_START_MAC (0) the link-layer header's (fails when the run has
 * none, as the kernel's empty migration skb); anything else fails; the copy must end at or
 * before the skb's tail, the end of the linear part (skb_tail_pointer): unlike
 * bpf_skb_load_bytes it never reaches paged bytes. Both checked on Linux 6.18 with
 * test/fixtures/udp/probe_ctx.o.
 */
import type { HelperFn } from "../helper-abi.js";
import { setR0Int } from "../helper-abi.js";
import { EFAULT } from "../maps/errno.js";
import { ctxArg, hi, lo } from "./args.js";
import type { HelperEnv } from "./env.js";

export const BPF_HDR_START_MAC = 0;
export const BPF_HDR_START_NET = 1;

export function skbLoadBytes(env: HelperEnv): HelperFn {
  return (regs, mem) => {
    const c = ctxArg(env, regs, 1, "skb_load_bytes");
    const off = lo(regs, 2);
    const len = lo(regs, 4);
    const toOff = lo(regs, 3);
    const to = mem.resolve(hi(regs, 3), toOff, len, true, -1);
    const pkt = c.packetData;
    const start = c.l4Offset + off;
    if (off > 0x7fffffff || start + len > pkt.length) {
      to.bytes.fill(0, toOff, toOff + len);
      setR0Int(regs, -EFAULT);
      return;
    }
    to.bytes.set(pkt.subarray(start, start + len), toOff);
    setR0Int(regs, 0);
  };
}

export function skbLoadBytesRelative(env: HelperEnv): HelperFn {
  return (regs, mem) => {
    const c = ctxArg(env, regs, 1, "skb_load_bytes_relative");
    const off = lo(regs, 2);
    const len = lo(regs, 4);
    const toOff = lo(regs, 3);
    const to = mem.resolve(hi(regs, 3), toOff, len, true, -1);
    const pkt = c.packetData;
    const mac = c.mac;
    const startHeader = hi(regs, 5) !== 0 ? -1 : lo(regs, 5);
    const net = startHeader === BPF_HDR_START_NET;
    const ok =
      off <= 0xffff &&
      (net
        ? off + len <= c.tail
        : startHeader === BPF_HDR_START_MAC && mac.length > 0 && off + len <= mac.length + c.tail);
    if (!ok) {
      to.bytes.fill(0, toOff, toOff + len);
      setR0Int(regs, -EFAULT);
      return;
    }
    if (net) {
      to.bytes.set(pkt.subarray(off, off + len), toOff);
    } else {
      // the link-layer header and then the packet, as one run of bytes
      for (let i = 0; i < len; i++) {
        to.bytes[toOff + i] = off + i < mac.length ? mac[off + i]! : pkt[off + i - mac.length]!;
      }
    }
    setR0Int(regs, 0);
  };
}
