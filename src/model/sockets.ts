/**
 * The model's sockets: listeners, request socks (NEW_SYN_RECV) and children, plus `Flow`,
 * the per-4-tuple record that stands for one ehash slot. All implement `VmSocket` so the
 * VM's maps and helpers can hold and inspect them (spec §1).
 * Cookies are assigned lazily on first read, like the kernel's `sock_gen_cookie`, from a
 * per-stack counter so runs are reproducible.
 * A socket's family is its listener's: an AF_INET6 listener without IPV6_V6ONLY also takes
 * IPv4 connections, and their requests and children are AF_INET6 sockets with v4-mapped
 * addresses (tcp_v6_syn_recv_sock's mapped path).
 * Omitted: UDP, bound devices and uids (R2's other keys).
 */
import {
  AF_INET,
  AF_INET6,
  IPPROTO_TCP,
  SOCK_STREAM,
  TCP_CLOSE,
  TCP_ESTABLISHED,
  TCP_NEW_SYN_RECV,
  type VmSocket,
} from "../vm/socket.js";
import { Fifo } from "./fifo.js";
import { NO_GROUP, type ReuseportGroup } from "./group.js";
import { v4Mapped, type Address } from "./udp-packet.js";

/** Hands out socket cookies: unique, non-zero, in order of first use. */
export class CookieJar {
  private n = 0;
  next(): number {
    return ++this.n;
  }
}

abstract class ModelSocket {
  protected cookieNum = 0;
  readonly type: number = SOCK_STREAM;
  readonly protocol: number = IPPROTO_TCP;
  constructor(
    protected readonly jar: CookieJar,
    /** AF_INET or AF_INET6. */
    readonly family: number,
  ) {}

  get cookie(): bigint {
    if (this.cookieNum === 0) this.cookieNum = this.jar.next();
    return BigInt(this.cookieNum);
  }

  /** R13: a clone copies sock_common, cookie included. */
  adoptCookie(from: ModelSocket): void {
    this.cookieNum = from.cookieNum;
  }
}

/** A listening (or closed) TCP socket. Field names follow `struct sock`/`inet_connection_sock`. */
export class Listener extends ModelSocket implements VmSocket {
  /** TCP_CLOSE until listen(), TCP_LISTEN while listening, TCP_CLOSE again after stop (R4). */
  state: number = TCP_CLOSE;
  /** sk_reuseport_cb (R1–R7): NO_GROUP while in none, never null (README "Benchmarks"). */
  group: ReuseportGroup = NO_GROUP;
  /** SO_REUSEPORT set. */
  reuseport = true;
  /**
   * Bound local address and port; port 0 until bound. `srcIp4` is sk_rcv_saddr (0 =
   * INADDR_ANY); an AF_INET6 socket's is the v4 address of a v4-mapped bind, 0 for `::`,
   * 127.0.0.6 (LOOPBACK4_IPV6) otherwise, and `srcIp6` is its IPv6 address.
   */
  srcIp4 = 0;
  srcIp6?: Uint8Array;
  srcPort = 0;
  /** IPV6_V6ONLY (AF_INET6 only): no IPv4 connections. */
  v6only = false;
  /**
   * The listening-hash key of the bound address: a number (the IPv4 address) for IPv4, `::`
   * and v4-mapped binds, which share the IPv4 buckets as in the kernel (ipv6_portaddr_hash);
   * a string for any other IPv6 address.
   */
  bindKey: number | string = 0;
  readonly dstIp4 = 0;
  readonly dstPort = 0;
  /** Bound with port 0: the port is released when listening stops (R4, R7). */
  autoBind = false;
  bound = false;
  /** In the listening hash (lhash2). */
  hashed = false;
  /** The fd was closed (close(), not shutdown()): freed once no request refers to it (R6). */
  fdClosed = false;
  /** Freed (sk_destruct ran). */
  destroyed = false;
  /** sk_max_ack_backlog: min(backlog, somaxconn) at listen(). */
  maxAckBacklog = 0;
  /** The accept queue (request socks carrying children), FIFO (R14). Its length is sk_ack_backlog. */
  readonly acceptQueue = new Fifo<RequestSock>();
  /** SYN-queue accounting: counters only, requests are not linked here (spec §1). */
  qlen = 0;
  young = 0;
  /** TCP_SYNCNT (icsk_syn_retries); 0 = use tcp_synack_retries. */
  synRetries = 0;
  /** rskq_defer_accept, in SYN-ACK retransmits (TCP_DEFER_ACCEPT seconds converted). */
  deferAccept = 0;
  /** TCP_FASTOPEN max qlen (0 = TFO off on this listener) and the current TFO qlen. */
  fastOpenMax = 0;
  fastOpenQlen = 0;
  /** Requests (and accept-queue entries) whose rsk_listener is this socket: they hold a reference (R6). */
  refs = 0;
  /** Accepted children, for reports. */
  accepted = 0;

  constructor(
    jar: CookieJar,
    /** The scenario's name for this socket. */
    readonly name: string,
    /** Creation order, a stable index for reports. */
    readonly index: number,
    family: number = AF_INET,
  ) {
    super(jar, family);
  }

  /** The bound address as an `Address` (for messages and conflict tests). */
  get address(): Address {
    if (this.family === AF_INET6) return { family: AF_INET6, bytes: this.srcIp6 ?? new Uint8Array(16) };
    return ip4Bytes(this.srcIp4);
  }

  get reuseportGroupId(): number | null {
    const g = this.group;
    return g !== NO_GROUP ? g.id : null;
  }

  get bindInany(): boolean {
    const g = this.group;
    return g !== NO_GROUP ? g.bindInany : this.anyAddress;
  }

  /** Bound to the wildcard of its family (inet_rcv_saddr_any). */
  get anyAddress(): boolean {
    const a = this.srcIp6;
    if (this.family !== AF_INET6 || a === undefined) return this.srcIp4 === 0;
    for (let i = 0; i < 16; i++) if (a[i] !== 0) return false;
    return true;
  }

  /** sk_ack_backlog */
  get ackBacklog(): number {
    return this.acceptQueue.length;
  }
}

/** The IPv6 addresses of an IPv6 4-tuple (16 bytes each, network order). */
export interface FlowV6 {
  readonly local: Uint8Array;
  readonly remote: Uint8Array;
}

/** One 4-tuple's ehash slot: what a segment from this peer finds first (R16). */
export class Flow {
  /** The request or full socket hashed under this 4-tuple, if any. */
  ehash: RequestSock | ChildSock | null = null;
  /** The server answered with a syncookie SYN-ACK: no request exists, the ACK validates (R17). */
  cookie = false;
  // `declare`d, set in the constructor: README "Benchmarks", the per-request path (a field
  // defined as undefined first and then given a u32 boxes every later store of one).
  /** The segments' family: AF_INET, or AF_INET6 when `v6` is given. */
  declare readonly family: number;
  /** An IPv6 flow's local address as a listening-hash key (see `Listener.bindKey`); "" for IPv4. */
  declare readonly localKey6: string;
  /**
   * sk_hash of its request and child, what migrations hash with (R12): `hash`, except for an
   * IPv4 connection on a dual-stack listener (`dualStackSockHash`), set when a listener takes it.
   */
  declare sockHash: number;
  constructor(
    readonly id: number,
    /** IPv4 addresses (host order); for an IPv6 flow, what sk_rcv_saddr/inet_daddr hold (127.0.0.6). */
    readonly localIp: number,
    readonly localPort: number,
    readonly remoteIp: number,
    readonly remotePort: number,
    /** The connection hash (sk_hash), fixed for the connection's life (spec §3). */
    readonly hash: number,
    /** An IPv6 flow's addresses, or null for IPv4. */
    readonly v6: FlowV6 | null = null,
  ) {
    this.family = v6 === null ? AF_INET : AF_INET6;
    this.sockHash = hash;
    this.localKey6 = v6 === null ? "" : addressKey6(v6.local);
  }
}

/** An IPv6 address (not `::`, not v4-mapped) as a listening-hash key. */
export function addressKey6(a: Uint8Array): string {
  let s = "";
  for (let i = 0; i < 16; i++) s += (a[i]! < 16 ? "0" : "") + a[i]!.toString(16);
  return s;
}

/** An IPv4 host-order address as 4 bytes. */
function ip4Bytes(ip: number): Address {
  return { family: AF_INET, bytes: Uint8Array.of(ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255) };
}

/**
 * bpf_sock src_ip6/dst_ip6 of a request or child: the flow's IPv6 addresses, else the IPv4 ones
 * v4-mapped, whatever the socket's family (sk_rcv_saddr_set and sk_daddr_set write both forms;
 * measured on Linux 6.18 for requests of AF_INET and dual-stack AF_INET6 listeners).
 */
function sockIp6(flow: Flow, local: boolean): Uint8Array {
  if (flow.v6 !== null) return local ? flow.v6.local : flow.v6.remote;
  return v4Mapped(ip4Bytes(local ? flow.localIp : flow.remoteIp)).bytes;
}

/** A socket of one connection, a request or a child: its addresses and ports are its flow's. */
abstract class FlowSocket extends ModelSocket {
  constructor(
    jar: CookieJar,
    readonly flow: Flow,
    family: number,
  ) {
    super(jar, family);
  }
  get srcIp6(): Uint8Array {
    return sockIp6(this.flow, true);
  }
  get dstIp6(): Uint8Array {
    return sockIp6(this.flow, false);
  }
  get srcIp4(): number {
    return this.flow.localIp;
  }
  get srcPort(): number {
    return this.flow.localPort;
  }
  get dstIp4(): number {
    return this.flow.remoteIp;
  }
  get dstPort(): number {
    return this.flow.remotePort;
  }
}

/** A request sock (NEW_SYN_RECV): `struct request_sock` / `inet_request_sock`. */
export class RequestSock extends FlowSocket implements VmSocket {
  readonly state = TCP_NEW_SYN_RECV;
  readonly reuseportGroupId = null;
  /** rsk_listener */
  listener: Listener;
  num_timeout = 0;
  num_retrans = 0;
  acked = false;
  /** The child, once the request sits in an accept queue. */
  child: ChildSock | null = null;
  /** A TCP Fast Open request (its child went to the accept queue at SYN time). */
  tfo = false;
  /** When the SYN-ACK timer fires next (µs), or -1 when not armed. */
  timerAt = -1;
  /** Unlinked, replaced by a clone or turned into a child: stale timer events are ignored. */
  dead = false;

  constructor(jar: CookieJar, flow: Flow, listener: Listener) {
    super(jar, flow, listener.family); // ireq_family: the listener's
    this.listener = listener;
  }

  /** sk_hash */
  get hash(): number {
    return this.flow.sockHash;
  }
}

/** A full socket created for a connection: ESTABLISHED, or SYN_RECV for a TFO child. */
export class ChildSock extends FlowSocket implements VmSocket {
  state: number = TCP_ESTABLISHED;
  readonly reuseportGroupId = null;
  /** A TFO child's request (`fastopen_rsk`) until its handshake completes; R13 re-points it at a clone. */
  fastopenRsk: RequestSock | null = null;
  constructor(
    jar: CookieJar,
    flow: Flow,
    /** The listener's family (a dual-stack listener's IPv4 child is AF_INET6). */
    family: number,
  ) {
    super(jar, flow, family);
  }
}
