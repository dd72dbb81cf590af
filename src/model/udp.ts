/**
 * UDP SO_REUSEPORT groups (IPv4, IPv6, dual-stack), following net/ipv4/udp.c, net/ipv6/udp.c
 * and net/core/sock_reuseport.c:
 * - bind: a socket with SO_REUSEPORT joins the group of a bound socket of the same family,
 *   v6only flag and address on the same port (udp_reuseport_add_sock); a new group otherwise
 *   (reuseport_alloc, bind_inany when the address is the wildcard). Overlapping binds without
 *   SO_REUSEPORT on both sides fail with EADDRINUSE.
 * - close: reuseport_detach_sock — the socket leaves every socket map and socks[], the last
 *   member moving into its slot (slots renumber); UDP has no closed section and no migration
 *   (reuseport_stop_listen_sock is TCP's). Attach type 40 is accepted on UDP and runs like 39
 *   (checked on Linux 6.18: migrating_sk is always NULL).
 * - a datagram: an exactly matching connected socket wins; else the first socket of the port's
 *   list whose address is the destination (then the wildcard), v4 sockets before v6 ones
 *   (udp_lib_get_port puts v4 sockets at the head, reuseport v6 ones at the tail), and its group
 *   picks: the program (eBPF: SK_PASS with a selection → it; SK_PASS without → the hash pick;
 *   anything else → no socket, UdpNoPorts; classic: its result indexes socks[], out of range →
 *   the hash pick), else reciprocal_scale(hash, num_socks) skipping connected sockets. ctx `sk`
 *   is that first socket (for v4 the most recently bound member, for v6 the earliest).
 * - the receive queue: dropped when the memory already charged exceeds sk_rcvbuf (always one
 *   datagram fits), counted UdpRcvbufErrors and UdpInErrors (__udp_enqueue_schedule_skb,
 *   __udp_queue_rcv_skb); UdpInDatagrams counts datagrams the application reads (udp_recvmsg).
 * Omitted: the hash secret (the model's hash is keyed by the seed, never the kernel's value),
 * sk_incoming_cpu scoring, bound devices, SO_REUSEADDR, uid checks, UDP-Lite, GRO/GSO, a
 * program selecting a connected socket while the group has connections (the kernel rescores).
 */
import { ModelError } from "../errors.js";
import { AF_INET, AF_INET6, IPPROTO_UDP, SOCK_DGRAM, type VmSocket } from "../vm/socket.js";
import { flowHash, foldIp6, reciprocalScale } from "./hash.js";
import {
  formatAddress,
  hookPacket,
  ipv4Number,
  isAny,
  sameAddress,
  unmapV4,
  v4Mapped,
  v4RcvSaddr,
  type Address,
  type HookPacket,
} from "./udp-packet.js";

/** bpf_sock.state of an unconnected UDP socket (TCP_CLOSE) and of a connected one (TCP_ESTABLISHED). */
const UDP_UNCONNECTED = 7;
const UDP_CONNECTED = 1;
/** net.core.rmem_default on Linux 6.18 (sk_rcvbuf of a socket that never set SO_RCVBUF). */
export const RMEM_DEFAULT = 212992;

/**
 * What a datagram sent with sendto() over loopback charges against sk_rcvbuf: its skb->truesize,
 * measured on Linux 6.18 (/proc/net/udp rx_queue after one datagram) and explained by how
 * __ip_append_data / __ip6_append_data allocate. The head holds the link-layer reservation, the
 * IP and UDP headers and the payload (59 bytes + payload for IPv4, 72 + payload for IPv6). Below
 * SKB_MAX_ALLOC (16064) that is one kmalloc'd head: 64-byte aligned plus skb_shared_info (320),
 * from the small-head cache (576) or the next power of two from 1024, plus the sk_buff (256).
 * From SKB_MAX_ALLOC on, the payload goes to page fragments charged byte for byte on top of a
 * small head (832). test/kernel/udp-truesize.test.ts checks it against the kernel.
 */
export function datagramTruesize(payloadLen: number, family: number): number {
  const head = (family === AF_INET6 ? 72 : 59) + payloadLen;
  if (head >= SKB_MAX_ALLOC) return SMALL_HEAD_TRUESIZE + payloadLen;
  const obj = Math.ceil(head / 64) * 64 + SHINFO_SIZE;
  if (obj <= SMALL_HEAD_CACHE_SIZE) return SMALL_HEAD_TRUESIZE;
  let size = 1024;
  while (size < obj) size *= 2;
  return size + SK_BUFF_SIZE;
}
const SKB_MAX_ALLOC = 16064;
const SHINFO_SIZE = 320;
const SK_BUFF_SIZE = 256;
const SMALL_HEAD_CACHE_SIZE = 576;
const SMALL_HEAD_TRUESIZE = SMALL_HEAD_CACHE_SIZE + SK_BUFF_SIZE;

export interface UdpBindOptions {
  readonly name?: string;
  readonly addr: Address;
  readonly port: number;
  readonly reuseport?: boolean;
  /** IPV6_V6ONLY (default false: a v6 socket on :: or a v4-mapped address also gets IPv4). */
  readonly v6only?: boolean;
  /** sk_rcvbuf in bytes (the kernel doubles a SO_RCVBUF value; give the doubled one). Default RMEM_DEFAULT. */
  readonly rcvbuf?: number;
}

export class UdpSocket implements VmSocket {
  readonly type = SOCK_DGRAM;
  readonly protocol = IPPROTO_UDP;
  readonly family: number;
  state = UDP_UNCONNECTED;
  group: UdpGroup | null = null;
  peer: { addr: Address; port: number } | null = null;
  closed = false;
  /** Charged receive memory and the datagrams waiting. */
  rmem = 0;
  /** The receive queue: the truesize of each waiting datagram, oldest first from `head`. */
  readonly queue: number[] = [];
  head = 0;
  received = 0;
  drops = 0;
  /** Bound to the wildcard address. */
  readonly any: boolean;
  readonly srcIp6?: Uint8Array;
  dstIp6?: Uint8Array;

  constructor(
    readonly cookie: bigint,
    readonly name: string,
    readonly addr: Address,
    readonly port: number,
    readonly reuseport: boolean,
    readonly v6only: boolean,
    readonly rcvbuf: number,
    /** Order of binding (the port list's order). */
    readonly seq: number,
  ) {
    this.family = addr.family;
    this.any = isAny(addr);
    if (addr.family === AF_INET6) this.srcIp6 = addr.bytes;
  }

  /** Datagrams waiting to be read. */
  get queued(): number {
    return this.queue.length - this.head;
  }
  get reuseportGroupId(): number | null {
    return this.group?.id ?? null;
  }
  /** sk_rcv_saddr (bpf_sock.src_ip4): see `v4RcvSaddr` (127.0.0.6 for an IPv6 socket on ::1). */
  get srcIp4(): number {
    return v4RcvSaddr(this.addr);
  }
  get srcPort(): number {
    return this.port;
  }
  get dstIp4(): number {
    return this.peer === null ? 0 : ipv4Number(this.peer.addr);
  }
  get dstPort(): number {
    return this.peer?.port ?? 0;
  }
  get bindInany(): boolean {
    return this.group?.bindInany ?? false;
  }
  toString(): string {
    return `${this.name} (${this.addr.family === AF_INET6 ? `[${formatAddress(this.addr)}]` : formatAddress(this.addr)}:${this.port})`;
  }
}

/** `struct sock_reuseport` of UDP: socks[] only (no closed section), bind_inany, the program. */
export class UdpGroup {
  readonly socks: UdpSocket[] = [];
  prog: UdpProgram | null = null;
  hasConns = false;
  constructor(
    readonly id: number,
    readonly bindInany: boolean,
  ) {}

  /** reuseport_select_sock_by_hash: reciprocal_scale over socks[], then a linear probe past connected sockets. */
  pickByHash(hash: number): UdpSocket | null {
    const n = this.socks.length;
    if (n === 0) return null;
    let i = reciprocalScale(hash, n);
    for (let tries = 0; tries < n; tries++) {
      const s = this.socks[i]!;
      if (s.state !== UDP_CONNECTED) return s;
      i = i + 1 >= n ? 0 : i + 1;
    }
    return null;
  }
}

/** What a program sees and answers for one datagram. */
export interface UdpSelectInput {
  /** ctx `sk`: the first socket of the port's list (a group member). */
  readonly sk: UdpSocket;
  readonly group: UdpGroup;
  readonly packet: HookPacket;
  readonly hash: number;
  readonly cpu: number;
}

export type UdpVerdict =
  /** eBPF: SK_PASS after bpf_sk_select_reuseport. */
  | { readonly kind: "selected"; readonly socket: VmSocket }
  /** eBPF: SK_PASS without a selection (the hash pick follows). */
  | { readonly kind: "pass" }
  /** eBPF: any other return value (the kernel finds no socket). */
  | { readonly kind: "drop"; readonly ret: number }
  /** Classic: an index into socks[] (out of range: the hash pick). */
  | { readonly kind: "index"; readonly index: number };

export interface UdpProgram {
  /** 39 or 40 for eBPF (both behave alike on UDP); 0 for classic. */
  readonly attachType: number;
  readonly name: string;
  select(input: UdpSelectInput): UdpVerdict;
  /** A socket closed: the program's socket maps forget it (sock_map_close, bpf_sk_reuseport_detach). */
  socketClosed?(sk: UdpSocket): void;
}

export interface Datagram {
  readonly src: Address;
  readonly srcPort: number;
  readonly dst: Address;
  readonly dstPort: number;
  readonly payload: Uint8Array;
  /** The CPU the datagram is processed on (bpf_get_smp_processor_id, SKF_AD_CPU); default 0. */
  readonly cpu?: number;
  /** Override the flow hash (default: the model's keyed hash of the 4-tuple). */
  readonly hash?: number;
}

export type DeliveryHow = "connected" | "program" | "program-index" | "hash" | "single";
export type DropReason = "no-socket" | "program-drop" | "rcvbuf";

export interface Delivery {
  /** The socket that got (or would have got, for a rcvbuf drop) the datagram, or null. */
  readonly socket: UdpSocket | null;
  /** Its index in its group's socks[] at selection time (-1: not in a group). */
  readonly slot: number;
  readonly how: DeliveryHow | null;
  readonly drop: DropReason | null;
  readonly hash: number;
  /** The program's verdict, when a program ran. */
  readonly verdict: UdpVerdict | null;
}

export interface UdpCounters {
  UdpInDatagrams: number;
  UdpNoPorts: number;
  UdpInErrors: number;
  UdpRcvbufErrors: number;
}

/** A network namespace's UDP side: the bound sockets per port, their groups and counters. */
export class UdpStack {
  readonly counters: UdpCounters = { UdpInDatagrams: 0, UdpNoPorts: 0, UdpInErrors: 0, UdpRcvbufErrors: 0 };
  private readonly byPort = new Map<number, UdpSocket[]>();
  private nextCookie = 1n;
  private nextGroup = 1;
  private seq = 0;
  private readonly orderCache = new Map<number, readonly UdpSocket[]>();

  constructor(readonly seed = 0) {}

  /** bind(2) with the options' SO_REUSEPORT / IPV6_V6ONLY / rcvbuf. */
  bind(o: UdpBindOptions): UdpSocket {
    const name = o.name ?? `s${this.seq}`;
    if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535)
      throw new ModelError("model.udp.port", `socket ${name}: port ${o.port} is not 1..65535`);
    const reuse = o.reuseport ?? true;
    const v6only = o.addr.family === AF_INET6 && o.v6only === true;
    const sk = new UdpSocket(
      this.nextCookie++,
      name,
      o.addr,
      o.port,
      reuse,
      v6only,
      o.rcvbuf ?? RMEM_DEFAULT,
      this.seq++,
    );
    const list = this.byPort.get(o.port) ?? [];
    let join: UdpSocket | null = null;
    for (const s of list) {
      if (!overlaps(s, sk)) continue;
      if (!(s.reuseport && reuse))
        throw new ModelError(
          "model.udp.EADDRINUSE",
          `socket ${name}: ${sk.toString()} overlaps ${s.toString()} and SO_REUSEPORT is not set on both (EADDRINUSE)`,
        );
      if (
        join === null &&
        s.group !== null &&
        s.family === sk.family &&
        s.v6only === sk.v6only &&
        sameAddress(s.addr, sk.addr)
      )
        join = s;
    }
    if (reuse) {
      const g = join?.group ?? new UdpGroup(this.nextGroup++, isAny(sk.addr));
      g.socks.push(sk); // __reuseport_add_sock: socks[num_socks]
      sk.group = g;
    }
    list.push(sk);
    this.byPort.set(o.port, list);
    this.orderCache.delete(o.port);
    return sk;
  }

  /** connect(2): the socket gets a peer (state ESTABLISHED) and its group has_conns. */
  connect(sk: UdpSocket, addr: Address, port: number): void {
    sk.peer = { addr, port };
    sk.state = UDP_CONNECTED;
    if (sk.family === AF_INET6) sk.dstIp6 = v4Mapped(addr).bytes;
    if (sk.group !== null) sk.group.hasConns = true;
  }

  /** close(2): out of every socket map, out of socks[] by moving the last member into its slot. */
  close(sk: UdpSocket): void {
    if (sk.closed) return;
    sk.closed = true;
    const g = sk.group;
    if (g !== null) {
      g.prog?.socketClosed?.(sk);
      const i = g.socks.indexOf(sk);
      const last = g.socks.pop()!;
      if (last !== sk) g.socks[i] = last;
      sk.group = null;
      if (g.socks.length === 0) g.prog = null; // the group is freed with its program
    }
    const list = this.byPort.get(sk.port)!;
    list.splice(list.indexOf(sk), 1);
    this.orderCache.delete(sk.port);
  }

  /** SO_ATTACH_REUSEPORT_[CE]BPF through `sk`: replaces the program of sk's whole group. */
  attach(sk: UdpSocket, prog: UdpProgram): void {
    if (sk.closed) throw new ModelError("model.udp.closed", `socket ${sk.name} is closed`);
    if (sk.group === null) throw new ModelError("model.udp.EINVAL", `socket ${sk.name} has no SO_REUSEPORT (EINVAL)`);
    sk.group.prog = prog;
  }

  detach(sk: UdpSocket): void {
    if (sk.group === null || sk.group.prog === null)
      throw new ModelError("model.udp.ENOENT", `socket ${sk.name}'s group has no program (ENOENT)`);
    sk.group.prog = null;
  }

  /** The model's flow hash of a datagram (the kernel's udp_ehashfn has a boot secret). */
  hashOf(d: Datagram): number {
    return d.hash ?? flowHash(this.seed, foldAddr(d.dst), d.dstPort, foldAddr(d.src), d.srcPort);
  }

  /** The sockets on `port`, in the order the kernel's lookup meets them (cached until a bind or close). */
  lookupOrder(port: number): readonly UdpSocket[] {
    let order = this.orderCache.get(port);
    if (order === undefined) {
      const list = this.byPort.get(port) ?? [];
      const v4 = list.filter((s) => s.family === AF_INET).sort((a, b) => b.seq - a.seq);
      const v6 = list
        .filter((s) => s.family === AF_INET6)
        .sort((a, b) => (a.reuseport && b.reuseport ? a.seq - b.seq : b.seq - a.seq));
      order = [...v4, ...v6];
      this.orderCache.set(port, order);
    }
    return order;
  }

  /** The socket a datagram reaches (no queueing): the lookup and the group's pick. */
  select(d: Datagram, packet: HookPacket = hookPacket(d, d.payload)): Delivery {
    const hash = this.hashOf(d);
    let connected: UdpSocket | null = null;
    let exact: UdpSocket | null = null;
    let wild: UdpSocket | null = null;
    for (const s of this.lookupOrder(d.dstPort)) {
      if (!accepts(s, d.dst)) continue;
      if (s.peer !== null) {
        if (connected === null && s.peer.port === d.srcPort && sameAddress(v4Mapped(s.peer.addr), v4Mapped(d.src)))
          connected = s;
      } else if (!s.any) exact ??= s;
      else wild ??= s;
    }
    if (connected !== null)
      return {
        socket: connected,
        slot: connected.group?.socks.indexOf(connected) ?? -1,
        how: "connected",
        drop: null,
        hash,
        verdict: null,
      };
    const first = exact ?? wild;
    if (first === null) return { socket: null, slot: -1, how: null, drop: "no-socket", hash, verdict: null };
    const g = first.group;
    if (g === null) return { socket: first, slot: -1, how: "single", drop: null, hash, verdict: null };
    if (g.prog === null) return found(g, g.pickByHash(hash), "hash", hash, null);
    const v = g.prog.select({ sk: first, group: g, packet, hash, cpu: d.cpu ?? 0 });
    switch (v.kind) {
      case "selected":
        return v.socket instanceof UdpSocket && v.socket.group === g
          ? found(g, v.socket, "program", hash, v)
          : found(g, g.pickByHash(hash), "hash", hash, v);
      case "pass":
        return found(g, g.pickByHash(hash), "hash", hash, v);
      case "drop":
        return { socket: null, slot: -1, how: null, drop: "program-drop", hash, verdict: v };
      case "index":
        return v.index >>> 0 < g.socks.length
          ? found(g, g.socks[v.index >>> 0]!, "program-index", hash, v)
          : found(g, g.pickByHash(hash), "hash", hash, v);
    }
  }

  /** A datagram arrives: select, then queue it (or count the drop). */
  deliver(d: Datagram, packet?: HookPacket): Delivery {
    return this.enqueue(this.select(d, packet), d.payload.length, d.src.family);
  }

  /** Queue a selected datagram of `payloadLen` bytes on its socket, or count why it is dropped. */
  enqueue(r: Delivery, payloadLen: number, family: number): Delivery {
    if (r.socket === null) {
      this.counters.UdpNoPorts++;
      return r;
    }
    const sk = r.socket;
    if (sk.rmem > sk.rcvbuf) {
      sk.drops++;
      this.counters.UdpRcvbufErrors++;
      this.counters.UdpInErrors++;
      return { ...r, drop: "rcvbuf" };
    }
    const truesize = datagramTruesize(payloadLen, family);
    sk.rmem += truesize;
    sk.queue.push(truesize);
    return r;
  }

  /** The application reads up to `n` datagrams from sk (recvmsg): returns how many. */
  recv(sk: UdpSocket, n = Infinity): number {
    let k = 0;
    const q = sk.queue;
    while (k < n && sk.head < q.length) {
      sk.rmem -= q[sk.head++]!;
      sk.received++;
      k++;
    }
    if (sk.head === q.length) {
      q.length = 0;
      sk.head = 0;
    }
    this.counters.UdpInDatagrams += k;
    return k;
  }

  /** Every open socket, in bind order. */
  sockets(): UdpSocket[] {
    return [...this.byPort.values()].flat().sort((a, b) => a.seq - b.seq);
  }
}

/** The delivery to `s` picked in group `g` (null: the group had no socket to give). */
function found(g: UdpGroup, s: UdpSocket | null, how: DeliveryHow, hash: number, verdict: UdpVerdict | null): Delivery {
  return s === null
    ? { socket: null, slot: -1, how: null, drop: "no-socket", hash, verdict }
    : { socket: s, slot: g.socks.indexOf(s), how, drop: null, hash, verdict };
}

/** Whether a socket bound to its address gets datagrams for `dst`. */
function accepts(s: UdpSocket, dst: Address): boolean {
  if (dst.family === AF_INET) {
    if (s.family === AF_INET) return s.any || sameAddress(s.addr, dst);
    if (s.v6only) return false;
    return s.any || sameAddress(s.addr, v4Mapped(dst));
  }
  return s.family === AF_INET6 && (s.any || sameAddress(s.addr, dst));
}

/** Whether two binds on one port conflict (inet_rcv_saddr_equal with the wildcard matching). */
function overlaps(a: UdpSocket, b: UdpSocket): boolean {
  const as4 = a.family === AF_INET ? a.addr : a.v6only ? null : isAny(a.addr) ? a.addr : unmapV4(a.addr);
  const bs4 = b.family === AF_INET ? b.addr : b.v6only ? null : isAny(b.addr) ? b.addr : unmapV4(b.addr);
  if (a.family === AF_INET6 && b.family === AF_INET6)
    return isAny(a.addr) || isAny(b.addr) || sameAddress(a.addr, b.addr);
  if (as4 === null || bs4 === null) return false;
  return isAny(as4) || isAny(bs4) || as4.bytes.every((x, i) => x === bs4.bytes[i]);
}

/** An address folded to a u32 for the hash. */
function foldAddr(a: Address): number {
  return a.family === AF_INET ? ipv4Number(a) : foldIp6(a.bytes);
}
