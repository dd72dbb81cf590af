/**
 * Datagrams as the kernel holds them at UDP reuseport selection: the IP header, the UDP
 * header (where ctx `data` points), the payload. Measured on Linux 6.18 over loopback with
 * test/fixtures/udp/probe_ctx.o: ctx `len` = 8 + payload (the UDP length), `data_end - data`
 * = the whole datagram while it fits the head allocation (payload ≤ 16004 bytes over IPv4,
 * ≤ 15991 over IPv6, from __ip_append_data's SKB_MAX_ALLOC rule), else only the 8-byte UDP
 * header: the payload is then paged and only bpf_skb_load_bytes reaches it.
 * Also: addresses (IPv4, IPv6, v4-mapped), hex payloads, QUIC long and short headers.
 */
import { InputError } from "../errors.js";

export const AF_INET = 2;
export const AF_INET6 = 10;
export const UDP_HLEN = 8;
/** The largest payload sent over loopback that stays in the skb's linear part (measured, see above). */
export const LINEAR_PAYLOAD_MAX_V4 = 16004;
export const LINEAR_PAYLOAD_MAX_V6 = 15991;

/** An address of either family: 4 or 16 bytes, network order. */
export interface Address {
  readonly family: typeof AF_INET | typeof AF_INET6;
  readonly bytes: Uint8Array;
}

/** Parse dotted-quad IPv4 or RFC 4291 IPv6 text (with `::` and a dotted tail); `where` locates errors. */
export function parseAddress(text: string, where: string): Address {
  const v4 = parseIpv4(text);
  if (v4 !== null) return { family: AF_INET, bytes: v4 };
  const v6 = parseIpv6(text);
  if (v6 !== null) return { family: AF_INET6, bytes: v6 };
  throw new InputError("udp.address", `${where}: '${text}' is not an IPv4 or IPv6 address`);
}

function parseIpv4(t: string): Uint8Array | null {
  const parts = t.split(".");
  if (parts.length !== 4) return null;
  const b = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    b[i] = Number(p);
  }
  return b;
}

function parseIpv6(t: string): Uint8Array | null {
  const halves = t.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === "") return [];
    const out: number[] = [];
    const parts = s.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIpv4(p);
        if (v4 === null) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(parseInt(p, 16));
      else return null;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === null || tail === null) return null;
  const n = head.length + tail.length;
  if (halves.length === 1 ? n !== 8 : n > 7) return null;
  const all = [...head, ...new Array<number>(8 - n).fill(0), ...tail];
  const b = new Uint8Array(16);
  all.forEach((g, i) => {
    b[i * 2] = g >> 8;
    b[i * 2 + 1] = g & 0xff;
  });
  return b;
}

export function formatAddress(a: Address): string {
  if (a.family === AF_INET) return Array.from(a.bytes).join(".");
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((a.bytes[i]! << 8) | a.bytes[i + 1]!).toString(16));
  // the longest run of zero groups becomes "::"
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && g[j] === "0") j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return g.join(":");
  return `${g.slice(0, best).join(":")}::${g.slice(best + bestLen).join(":")}`;
}

export function isAny(a: Address): boolean {
  const b = a.bytes;
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** ::ffff:a.b.c.d for an IPv4 address. */
export function v4Mapped(a: Address): Address {
  if (a.family === AF_INET6) return a;
  const b = new Uint8Array(16);
  b[10] = 0xff;
  b[11] = 0xff;
  b.set(a.bytes, 12);
  return { family: AF_INET6, bytes: b };
}

/** The IPv4 address inside ::ffff:a.b.c.d, or null. */
export function unmapV4(a: Address): Address | null {
  if (a.family === AF_INET) return a;
  for (let i = 0; i < 10; i++) if (a.bytes[i] !== 0) return null;
  if (a.bytes[10] !== 0xff || a.bytes[11] !== 0xff) return null;
  return { family: AF_INET, bytes: a.bytes.slice(12) };
}

export function sameAddress(a: Address, b: Address): boolean {
  if (a.family !== b.family) return false;
  const x = a.bytes;
  const y = b.bytes;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** The address as a host-order u32 (IPv4 only; 0 for IPv6). */
export const ipv4Number = (a: Address): number =>
  a.family === AF_INET ? ((a.bytes[0]! << 24) | (a.bytes[1]! << 16) | (a.bytes[2]! << 8) | a.bytes[3]!) >>> 0 : 0;

/** LOOPBACK4_IPV6: what an IPv6 socket bound to a non-v4-mapped address has as its IPv4 address. */
const LOOPBACK4_IPV6 = 0x7f000006;

/** sk_rcv_saddr (bpf_sock.src_ip4, host order) of a socket bound to `a`. */
export function v4RcvSaddr(a: Address): number {
  if (a.family === AF_INET) return ipv4Number(a);
  const m = unmapV4(a);
  return m !== null ? ipv4Number(m) : isAny(a) ? 0 : LOOPBACK4_IPV6;
}

/**
 * Hex text to bytes (whitespace and a 0x prefix allowed); an odd digit count or a non-hex
 * character is a located error.
 */
export function parseHex(text: string, where: string): Uint8Array {
  const t = text.replace(/^0x/i, "").replace(/[\s:]/g, "");
  const bad = /[^0-9a-fA-F]/.exec(t);
  if (bad !== null) throw new InputError("udp.hex", `${where}: '${bad[0]}' is not a hex digit in '${text}'`);
  if (t.length % 2 !== 0)
    throw new InputError(
      "udp.hex",
      `${where}: hex '${text}' has an odd number of digits (${t.length}): a byte is truncated`,
    );
  const b = new Uint8Array(t.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(t.slice(i * 2, i * 2 + 2), 16);
  return b;
}

export const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** QUIC long header (RFC 9000 §17.2): type 0 Initial, 1 0-RTT, 2 Handshake, 3 Retry. */
export interface QuicLong {
  readonly dcid: Uint8Array;
  readonly scid?: Uint8Array;
  readonly type?: 0 | 1 | 2 | 3;
  readonly version?: number;
  /** Bytes after the connection IDs (token length, length, packet number...); default 20 zero bytes. */
  readonly rest?: Uint8Array;
}

export function quicLongHeader(q: QuicLong, where: string): Uint8Array {
  const scid = q.scid ?? new Uint8Array(0);
  if (q.dcid.length > 20 || scid.length > 20)
    throw new InputError(
      "udp.quic",
      `${where}: a QUIC connection ID has at most 20 bytes (dcid ${q.dcid.length}, scid ${scid.length})`,
    );
  const rest = q.rest ?? new Uint8Array(20);
  const v = q.version ?? 1;
  const out = new Uint8Array(1 + 4 + 1 + q.dcid.length + 1 + scid.length + rest.length);
  out[0] = 0xc0 | ((q.type ?? 0) << 4); // header form 1, fixed bit 1
  out.set([(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff], 1);
  out[5] = q.dcid.length;
  out.set(q.dcid, 6);
  out[6 + q.dcid.length] = scid.length;
  out.set(scid, 7 + q.dcid.length);
  out.set(rest, 7 + q.dcid.length + scid.length);
  return out;
}

/**
 * QUIC short header (1-RTT, RFC 9000 §17.3): first byte 0x40, the DCID (its length is the
 * server's choice), then `rest`.
 */
export function quicShortHeader(dcid: Uint8Array, rest: Uint8Array = new Uint8Array(20)): Uint8Array {
  const out = new Uint8Array(1 + dcid.length + rest.length);
  out[0] = 0x40;
  out.set(dcid, 1);
  out.set(rest, 1 + dcid.length);
  return out;
}

/** A datagram as the reuseport hook sees it. */
export interface HookPacket {
  /** From the IP header to the end of the payload. */
  readonly bytes: Uint8Array;
  /** Where the UDP header (ctx `data`) starts. */
  readonly l4Offset: number;
  /** Bytes from `data` in the linear part (data_end - data). */
  readonly linearLen: number;
  /** ctx `len`: UDP header + payload. */
  readonly len: number;
  /** ETH_P_IP or ETH_P_IPV6 (the datagram's family, not the socket's). */
  readonly ethProtocol: number;
  /** The link-layer header (loopback: zero MACs and the EtherType). */
  readonly mac: Uint8Array;
}

/** Loopback's Ethernet header for each EtherType (shared, never written). */
export const LOOPBACK_MAC_V4 = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00]);
export const LOOPBACK_MAC_V6 = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x86, 0xdd]);

export interface DatagramAddrs {
  readonly src: Address;
  readonly dst: Address;
  readonly srcPort: number;
  readonly dstPort: number;
}

function checksum16(b: Uint8Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i += 2) s += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/**
 * The IP + UDP + payload bytes of a datagram. The IP header's id, TTL/hop limit and checksums
 * are Baton's (a program reading them sees these values, not a real sender's); the UDP
 * checksum is 0. `into`, when its length is exactly the packet's, is overwritten and used
 * instead of a new buffer (a simulation reuses one per length: the VM then keeps its view).
 */
export function hookPacket(a: DatagramAddrs, payload: Uint8Array, into?: Uint8Array): HookPacket {
  const v6 = a.src.family === AF_INET6;
  const ipLen = v6 ? 40 : 20;
  const udpLen = UDP_HLEN + payload.length;
  const b = into !== undefined && into.length === ipLen + udpLen ? into : new Uint8Array(ipLen + udpLen);
  if (v6) {
    b[0] = 0x60;
    b[4] = udpLen >> 8;
    b[5] = udpLen & 0xff;
    b[6] = 17;
    b[7] = 64;
    b.set(a.src.bytes, 8);
    b.set(a.dst.bytes, 24);
  } else {
    const total = ipLen + udpLen;
    b.set([0x45, 0, total >> 8, total & 0xff, 0, 0, 0x40, 0, 64, 17, 0, 0], 0);
    b.set(a.src.bytes, 12);
    b.set(a.dst.bytes, 16);
    const c = checksum16(b, 0, 20);
    b[10] = c >> 8;
    b[11] = c & 0xff;
  }
  b.set([a.srcPort >> 8, a.srcPort & 0xff, a.dstPort >> 8, a.dstPort & 0xff, udpLen >> 8, udpLen & 0xff, 0, 0], ipLen);
  b.set(payload, ipLen + UDP_HLEN);
  const linearMax = v6 ? LINEAR_PAYLOAD_MAX_V6 : LINEAR_PAYLOAD_MAX_V4;
  return {
    bytes: b,
    l4Offset: ipLen,
    linearLen: payload.length <= linearMax ? udpLen : UDP_HLEN,
    len: udpLen,
    ethProtocol: v6 ? 0x86dd : 0x0800,
    mac: v6 ? LOOPBACK_MAC_V6 : LOOPBACK_MAC_V4,
  };
}
