/**
 * What a classic filter sees of a packet, and the packet reads both the reference interpreter
 * and the converted program's load helpers make (bpf_skb_load_helper_*, bpf_skb_get_nlattr*
 * in net/core/filter.c). Offsets are relative to skb->data; SKF_NET_OFF and SKF_LL_OFF
 * offsets are relative to the network and MAC headers.
 */
import { InputError } from "../../errors.js";
import { SKF_LL_OFF, SKF_NET_OFF } from "./opcodes.js";

/** ETH_P_IP and ETH_P_IPV6, host order. */
export const ETH_P_IP = 0x0800;
export const ETH_P_IPV6 = 0x86dd;
/** ARPHRD_LOOPBACK: the device type of `lo`. */
export const ARPHRD_LOOPBACK = 772;

export interface ClassicPacket {
  /** The packet from its first held header (MAC or network) to its end, linear and paged bytes together. */
  readonly bytes: Uint8Array;
  /** Where skb->data (the filter's offset 0) is in `bytes`; default 0. */
  readonly dataOffset?: number | undefined;
  /** Where the network header starts in `bytes`; default 0. */
  readonly networkOffset?: number | undefined;
  /** Where the MAC header starts; absent: no MAC header was set (SKF_LL_OFF loads fail). */
  readonly macOffset?: number | undefined;
  /** How many of the last bytes are paged (skb->data_len); default 0 (all linear). */
  readonly pagedLen?: number | undefined;
  /** skb->protocol as ETH_P_* in host order; default ETH_P_IP. */
  readonly protocol?: number | undefined;
  /** skb->pkt_type (PACKET_HOST 0, ...); default 0. */
  readonly pktType?: number | undefined;
  /** skb->dev: its ifindex and type (ARPHRD_*), or null for no device; default lo (1, 772). */
  readonly device?: { readonly ifindex: number; readonly type: number } | null | undefined;
  readonly mark?: number | undefined;
  /** skb->hash (SKF_AD_RXHASH); default 0. */
  readonly hash?: number | undefined;
  /** skb->queue_mapping (SKF_AD_QUEUE); default 0. */
  readonly queueMapping?: number | undefined;
  readonly vlanTci?: number | undefined;
  /** skb->vlan_all: nonzero when a tag is present (SKF_AD_VLAN_TAG_PRESENT); default 0. */
  readonly vlanAll?: number | undefined;
  /** skb->vlan_proto as ETH_P_* host order (SKF_AD_VLAN_TPID); default 0. */
  readonly vlanProto?: number | undefined;
  /** The CPU the filter runs on (SKF_AD_CPU); default 0. */
  readonly cpu?: number | undefined;
  /**
   * What SKF_AD_PAY_OFFSET returns (default 0). The kernel runs its flow dissector for it; Baton
   * does not, and the reuseport packet builders fill in what the kernel returned there.
   */
  readonly payOffset?: number | undefined;
}

/** A packet with its defaults applied and its derived lengths. */
export interface ResolvedPacket {
  readonly bytes: Uint8Array;
  readonly dataOffset: number;
  readonly networkOffset: number;
  readonly macOffset: number; // -1: not set
  /** skb->len (from data on) and skb->data_len. */
  readonly len: number;
  readonly dataLen: number;
  readonly protocol: number;
  readonly pktType: number;
  readonly device: { readonly ifindex: number; readonly type: number } | null;
  readonly mark: number;
  readonly hash: number;
  readonly queueMapping: number;
  readonly vlanTci: number;
  readonly vlanAll: number;
  readonly vlanProto: number;
  readonly cpu: number;
  readonly payOffset: number;
}

const LO = { ifindex: 1, type: ARPHRD_LOOPBACK };

/** Kept out of line: the per-run path only compares. */
function badOffset(what: string, v: number, n: number, max: number): InputError {
  return new InputError("cbpf.packet", `${what} ${v} is outside the ${n}-byte packet (expected 0..${max})`);
}

export function resolvePacket(p: ClassicPacket): ResolvedPacket {
  const n = p.bytes.length;
  const dataOffset = p.dataOffset ?? 0;
  const networkOffset = p.networkOffset ?? 0;
  const macOffset = p.macOffset ?? -1;
  const pagedLen = p.pagedLen ?? 0;
  // `!(v >= 0 && v <= max)` also refuses NaN; offsets are whole numbers by type.
  if (!(dataOffset >= 0 && dataOffset <= n)) throw badOffset("dataOffset", dataOffset, n, n);
  if (!(networkOffset >= 0 && networkOffset <= n)) throw badOffset("networkOffset", networkOffset, n, n);
  if (macOffset !== -1 && !(macOffset >= 0 && macOffset <= n)) throw badOffset("macOffset", macOffset, n, n);
  if (!(pagedLen >= 0 && pagedLen <= n - dataOffset)) throw badOffset("pagedLen", pagedLen, n, n - dataOffset);
  return {
    bytes: p.bytes,
    dataOffset,
    networkOffset,
    macOffset,
    len: n - dataOffset,
    dataLen: pagedLen,
    protocol: (p.protocol ?? ETH_P_IP) & 0xffff,
    pktType: (p.pktType ?? 0) & 7,
    device: p.device === undefined ? LO : p.device,
    mark: (p.mark ?? 0) >>> 0,
    hash: (p.hash ?? 0) >>> 0,
    queueMapping: (p.queueMapping ?? 0) & 0xffff,
    vlanTci: (p.vlanTci ?? 0) & 0xffff,
    vlanAll: (p.vlanAll ?? 0) >>> 0,
    vlanProto: (p.vlanProto ?? 0) & 0xffff,
    cpu: (p.cpu ?? 0) >>> 0,
    payOffset: (p.payOffset ?? 0) >>> 0,
  };
}

const INT_MIN = -0x80000000;

/** bpf_skb_load_helper_convert_offset: a data-relative offset, or INT_MIN. */
function convertOffset(p: ResolvedPacket, offset: number): number {
  if (offset >= 0) return offset;
  if (offset >= SKF_NET_OFF) return offset - SKF_NET_OFF + (p.networkOffset - p.dataOffset);
  if (offset >= SKF_LL_OFF && p.macOffset !== -1) return offset - SKF_LL_OFF + (p.macOffset - p.dataOffset);
  return INT_MIN;
}

/**
 * bpf_skb_load_helper_{8,16,32}: `size` bytes at `offset` (an int) as a big-endian number, or
 * undefined where the kernel returns -EFAULT. `headlen` is the linear length the caller passes.
 */
export function loadPacket(p: ResolvedPacket, headlen: number, offset: number, size: 1 | 2 | 4): number | undefined {
  const off = convertOffset(p, offset | 0);
  if (off === INT_MIN) return undefined;
  // Linear fast path, else skb_copy_bits (which fails past skb->len). Baton holds the paged
  // bytes right after the linear ones, so both read the same place.
  if (!(headlen - off >= size) && off > p.len - size) return undefined;
  const at = p.dataOffset + off;
  if (at < 0 || at + size > p.bytes.length) return undefined;
  const b = p.bytes;
  if (size === 1) return b[at]!;
  if (size === 2) return (b[at]! << 8) | b[at + 1]!;
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

const NLA_HDRLEN = 4;
const NLA_TYPE_MASK = 0x3fff;

/** nla_find over [start, start+len) of the data: the attribute's data-relative offset, or 0. */
function nlaFind(p: ResolvedPacket, start: number, len: number, type: number): number {
  const b = p.bytes;
  let pos = start;
  let rem = len;
  while (rem >= NLA_HDRLEN) {
    const at = p.dataOffset + pos;
    const nlaLen = b[at]! | (b[at + 1]! << 8);
    if (nlaLen < NLA_HDRLEN || nlaLen > rem) break;
    const t = (b[at + 2]! | (b[at + 3]! << 8)) & NLA_TYPE_MASK;
    if (t === (type | 0)) return pos;
    const total = (nlaLen + 3) & ~3;
    pos += total;
    rem -= total;
  }
  return 0;
}

/** bpf_skb_get_nlattr(skb, A, X). */
export function nlattr(p: ResolvedPacket, a: number, x: number): number {
  if (p.dataLen !== 0 || p.len < NLA_HDRLEN || a >>> 0 > p.len - NLA_HDRLEN) return 0;
  return nlaFind(p, a >>> 0, p.len - (a >>> 0), x);
}

/** bpf_skb_get_nlattr_nest(skb, A, X). */
export function nlattrNest(p: ResolvedPacket, a: number, x: number): number {
  if (p.dataLen !== 0 || p.len < NLA_HDRLEN || a >>> 0 > p.len - NLA_HDRLEN) return 0;
  const start = a >>> 0;
  const rem = p.len - start;
  const at = p.dataOffset + start;
  const nlaLen = p.bytes[at]! | (p.bytes[at + 1]! << 8);
  if (nlaLen < NLA_HDRLEN || nlaLen > rem) return 0;
  return nlaFind(p, start + NLA_HDRLEN, nlaLen - NLA_HDRLEN, x);
}
