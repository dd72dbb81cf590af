/**
 * TCP segments as the kernel holds them at reuseport selection and at the final-ACK migration:
 * the IP header, the TCP header (where ctx `data` points) with Linux's options, the payload.
 * Measured on Linux 6.18 over loopback with an sk_reuseport probe (IPv4 and IPv6):
 * - a SYN: len = 40 (20 bytes of options: MSS, SACK-permitted + timestamps, NOP + window
 *   scale 10), flags 0x02, window = the MSS (65495 over IPv4, 65476 over IPv6);
 * - a later segment: len = 32 + payload (NOP NOP + timestamps), flags ACK, plus PSH with data,
 *   window 64 (scaled by 2^10);
 * - `data_end - data` is the TCP header only: a data segment's payload, and a TFO SYN's, is in
 *   the skb's pages, reached by bpf_skb_load_bytes and not by direct access;
 * - the TCP checksum field holds the pseudo-header sum (loopback's CHECKSUM_PARTIAL);
 * - eth_protocol is ETH_P_IP or ETH_P_IPV6 by the segment's family.
 * Without timestamps (tcp_timestamps=0) a SYN has 12 option bytes and later segments none.
 * Sequence numbers, timestamps, the IPv4 id and the IPv6 flow label are Baton's own
 * (deterministic), not a real sender's.
 */
import type { TcpStack } from "./stack.js";
import {
  AF_INET,
  AF_INET6,
  LOOPBACK_MAC_V4,
  LOOPBACK_MAC_V6,
  type Address,
  type DatagramAddrs,
  type HookPacket,
} from "./udp-packet.js";

export const MSS_V4 = 65495;
export const MSS_V6 = 65476;
/** The window scale a Linux 6.18 SYN advertised over loopback (the receive buffer decides it). */
export const WSCALE = 10;
/** The window of a segment after the handshake (65536 bytes at scale 10). */
const SCALED_WINDOW = 64;
export const TCP_SYN = 0x02;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

/** One segment to lay out. */
export interface SegmentSpec {
  readonly addrs: DatagramAddrs;
  readonly syn: boolean;
  /** Payload length in bytes. */
  readonly payloadLen: number;
  /** Payload bytes; shorter than payloadLen (or absent): the rest is zeros. */
  readonly payload?: Uint8Array | null;
  /** net.ipv4.tcp_timestamps != 0: the timestamp option is present. */
  readonly timestamps: boolean;
  /** The client's initial sequence number (a SYN carries it, later segments it + 1). */
  readonly isn: number;
  /** What later segments acknowledge (the server's ISN + 1); 0 on a SYN. */
  readonly ack: number;
  /** TSval (TSecr is 0 on a SYN, else `tsEcr`). */
  readonly tsVal: number;
  readonly tsEcr: number;
}

/** Bytes of TCP options: a SYN's (20, or 12 without timestamps) and a later segment's (12 or 0). */
export function optionBytes(syn: boolean, timestamps: boolean): number {
  return syn ? (timestamps ? 20 : 12) : timestamps ? 12 : 0;
}

function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 24) & 0xff;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

/** Ones'-complement sum of big-endian 16-bit words of b[from, to), not folded. */
function sum16(b: Uint8Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i += 2) s += (b[i]! << 8) | (i + 1 < to ? b[i + 1]! : 0);
  return s;
}

function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** The pseudo-header sum of a segment (what loopback leaves in the checksum field). */
function pseudoSum(src: Address, dst: Address, tcpLen: number): number {
  const s = sum16(src.bytes, 0, src.bytes.length) + sum16(dst.bytes, 0, dst.bytes.length) + 6 + tcpLen;
  return fold(s);
}

/** The whole segment's length from the IP header on. */
export function segmentSize(s: SegmentSpec): number {
  const ipLen = s.addrs.src.family === AF_INET6 ? 40 : 20;
  return ipLen + 20 + optionBytes(s.syn, s.timestamps) + s.payloadLen;
}

/**
 * Lay out `s` from the IP header on, into `into` when its length is exactly the segment's (a
 * simulation reuses one buffer per length), else into a new buffer.
 */
export function tcpSegment(s: SegmentSpec, into?: Uint8Array): HookPacket {
  const a = s.addrs;
  const v6 = a.src.family === AF_INET6;
  const ipLen = v6 ? 40 : 20;
  const opt = optionBytes(s.syn, s.timestamps);
  const hdr = 20 + opt;
  const tcpLen = hdr + s.payloadLen;
  const size = ipLen + tcpLen;
  const b = into !== undefined && into.length === size ? into : new Uint8Array(size);
  b.fill(0, 0, ipLen + hdr);
  if (v6) {
    b[0] = 0x60;
    put16(b, 4, tcpLen);
    b[6] = 6;
    b[7] = 64;
    b.set(a.src.bytes, 8);
    b.set(a.dst.bytes, 24);
  } else {
    b[0] = 0x45;
    put16(b, 2, size);
    b[6] = 0x40; // DF
    b[8] = 64;
    b[9] = 6;
    b.set(a.src.bytes, 12);
    b.set(a.dst.bytes, 16);
    put16(b, 10, ~fold(sum16(b, 0, 20)) & 0xffff);
  }
  const t = ipLen;
  put16(b, t, a.srcPort);
  put16(b, t + 2, a.dstPort);
  put32(b, t + 4, s.syn ? s.isn : s.isn + 1);
  put32(b, t + 8, s.syn ? 0 : s.ack);
  b[t + 12] = (hdr / 4) << 4;
  b[t + 13] = s.syn ? TCP_SYN : s.payloadLen > 0 ? TCP_ACK | TCP_PSH : TCP_ACK;
  const mss = v6 ? MSS_V6 : MSS_V4;
  put16(b, t + 14, s.syn ? mss : SCALED_WINDOW);
  put16(b, t + 16, pseudoSum(a.src, a.dst, tcpLen));
  let o = t + 20;
  if (s.syn) {
    b.set([2, 4], o);
    put16(b, o + 2, mss);
    o += 4;
    if (s.timestamps) {
      b.set([4, 2, 8, 10], o); // SACK-permitted, then the timestamp option
      put32(b, o + 4, s.tsVal);
      o += 12; // TSecr 0
    } else {
      b.set([1, 1, 4, 2], o);
      o += 4;
    }
    b.set([1, 3, 3, WSCALE], o);
  } else if (s.timestamps) {
    b.set([1, 1, 8, 10], o);
    put32(b, o + 4, s.tsVal);
    put32(b, o + 8, s.tsEcr);
  }
  const p = s.payload;
  const pOff = t + hdr;
  if (p !== undefined && p !== null && p.length > 0) {
    const n = Math.min(p.length, s.payloadLen);
    b.set(n === p.length ? p : p.subarray(0, n), pOff);
    b.fill(0, pOff + n, size);
  } else b.fill(0, pOff, size);
  return {
    bytes: b,
    l4Offset: ipLen,
    linearLen: hdr, // the payload is paged (measured)
    len: tcpLen,
    ethProtocol: v6 ? 0x86dd : 0x0800,
    mac: v6 ? LOOPBACK_MAC_V6 : LOOPBACK_MAC_V4,
  };
}

/** Host-order IPv4 as an `Address`. */
function ip4(n: number): Address {
  return { family: AF_INET, bytes: Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255) };
}

/**
 * The bytes of the segment a stack is processing (`TcpStack.segment`), for programs that read
 * packet data. Built on demand, into one reused buffer per segment length. Sequence numbers
 * come from the connection hash, timestamps from the model's clock (ms), so a run is
 * reproducible.
 */
export class SegmentBytes {
  private readonly bufs = new Map<number, Uint8Array>();
  constructor(private readonly st: TcpStack) {}

  /** The current segment, or null when there is none (the caller then runs with no packet). */
  current(): HookPacket | null {
    const seg = this.st.segment;
    const f = seg.flow;
    if (f === null) return null;
    const addrs: DatagramAddrs =
      f.v6 !== null
        ? {
            src: { family: AF_INET6, bytes: f.v6.remote },
            dst: { family: AF_INET6, bytes: f.v6.local },
            srcPort: f.remotePort,
            dstPort: f.localPort,
          }
        : { src: ip4(f.remoteIp), dst: ip4(f.localIp), srcPort: f.remotePort, dstPort: f.localPort };
    const ts = (Math.floor(this.st.now / 1000) + 1) >>> 0;
    const spec: SegmentSpec = {
      addrs,
      syn: seg.syn,
      payloadLen: seg.payloadLen,
      payload: seg.payload,
      timestamps: this.st.ns.sysctl.tcp_timestamps !== 0,
      isn: Math.imul(f.hash ^ 0x9e3779b9, 0x85ebca6b) >>> 0,
      ack: ((Math.imul(f.hash, 0xc2b2ae35) >>> 0) + 1) >>> 0,
      tsVal: ts,
      tsEcr: ts,
    };
    const size = segmentSize(spec);
    let buf = this.bufs.get(size);
    if (buf === undefined) this.bufs.set(size, (buf = new Uint8Array(size)));
    return tcpSegment(spec, buf);
  }
}
