/**
 * SO_ATTACH_REUSEPORT_CBPF selection (net/core/sock_reuseport.c run_bpf_filter and
 * reuseport_select_sock): the kernel pulls skb->data past the transport header (the UDP
 * header, or the TCP header with its options), runs the filter, and takes its u32 result
 * as an index into socks[]; an index >= the group's socket count falls back to the kernel's
 * hash pick (reuseport_select_sock_by_hash), as does a failed pull.
 */
import { ETH_P_IP, type ClassicPacket } from "./packet.js";
import type { ClassicProgram } from "./program.js";

export type ReuseportPick =
  /** socks[index]. */
  | { readonly kind: "socket"; readonly index: number; readonly result: number }
  /** The filter's result is out of range: the kernel picks by hash. */
  | { readonly kind: "kernel-pick"; readonly result: number };

/** Run `prog` for a group of `numSocks` sockets and read its result as the kernel does. */
export function selectClassic(prog: ClassicProgram, packet: ClassicPacket, numSocks: number): ReuseportPick {
  const result = prog.run(packet);
  return result < numSocks ? { kind: "socket", index: result, result } : { kind: "kernel-pick", result };
}

export interface UdpDatagram {
  readonly payload: Uint8Array;
  /** IPv4 addresses as dotted quads; default 127.0.0.1 both. */
  readonly srcAddr?: string;
  readonly dstAddr?: string;
  readonly srcPort?: number;
  readonly dstPort?: number;
}

const ETH_HLEN = 14;
const IPV4_HLEN = 20;
const UDP_HLEN = 8;
const IPPROTO_UDP = 17;

function ipv4(addr: string): number[] {
  const parts = addr.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    throw new RangeError(`'${addr}' is not an IPv4 address`);
  return parts;
}

function checksum(b: Uint8Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i += 2) s += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/**
 * The skb a UDP datagram arriving on loopback is at reuseport selection: an Ethernet header
 * (MAC offset 0), the IPv4 header, the UDP header, the payload; skb->data at the payload.
 * IP id 0 with DF, TTL 64 and the checksums are Baton's choices (a filter that reads them
 * through SKF_NET_OFF sees these values, not the sender's).
 */
export function udpReuseportPacket(
  d: UdpDatagram,
  extra: Omit<ClassicPacket, "bytes" | "dataOffset" | "networkOffset" | "macOffset"> = {},
): ClassicPacket {
  const n = d.payload.length;
  const b = new Uint8Array(ETH_HLEN + IPV4_HLEN + UDP_HLEN + n);
  b[12] = ETH_P_IP >> 8;
  b[13] = ETH_P_IP & 0xff;
  const ip = ETH_HLEN;
  const total = IPV4_HLEN + UDP_HLEN + n;
  b.set([0x45, 0, total >> 8, total & 0xff, 0, 0, 0x40, 0, 64, IPPROTO_UDP, 0, 0], ip);
  b.set(ipv4(d.srcAddr ?? "127.0.0.1"), ip + 12);
  b.set(ipv4(d.dstAddr ?? "127.0.0.1"), ip + 16);
  const c = checksum(b, ip, ip + IPV4_HLEN);
  b[ip + 10] = c >> 8;
  b[ip + 11] = c & 0xff;
  const udp = ip + IPV4_HLEN;
  const sp = d.srcPort ?? 40000;
  const dp = d.dstPort ?? 4433;
  b.set([sp >> 8, sp & 0xff, dp >> 8, dp & 0xff, (UDP_HLEN + n) >> 8, (UDP_HLEN + n) & 0xff, 0, 0], udp);
  b.set(d.payload, udp + UDP_HLEN);
  // Every field written, in one order: objects made by spreading get a map each, and the run
  // path's property loads then go megamorphic (measured ~100x slower over 256 packets).
  return {
    bytes: b,
    dataOffset: udp + UDP_HLEN,
    networkOffset: ip,
    macOffset: 0,
    pagedLen: extra.pagedLen,
    protocol: extra.protocol,
    pktType: extra.pktType,
    device: extra.device,
    mark: extra.mark,
    hash: extra.hash,
    queueMapping: extra.queueMapping,
    vlanTci: extra.vlanTci,
    vlanAll: extra.vlanAll,
    vlanProto: extra.vlanProto,
    cpu: extra.cpu,
    payOffset: extra.payOffset,
  };
}
