/**
 * The model's sockets: listeners, request socks (NEW_SYN_RECV) and children, plus `Flow`,
 * the per-4-tuple record that stands for one ehash slot. All implement `VmSocket` so the
 * VM's maps and helpers can hold and inspect them (spec §1).
 * Cookies are assigned lazily on first read, like the kernel's `sock_gen_cookie`, from a
 * per-stack counter so runs are reproducible.
 * Omitted: IPv6 (every socket is AF_INET), UDP, bound devices and uids (R2's other keys).
 */
import {
  AF_INET,
  IPPROTO_TCP,
  SOCK_STREAM,
  TCP_CLOSE,
  TCP_ESTABLISHED,
  TCP_NEW_SYN_RECV,
  type VmSocket,
} from "../vm/socket.js";
import { Fifo } from "./fifo.js";
import { NO_GROUP, type ReuseportGroup } from "./group.js";

/** Hands out socket cookies: unique, non-zero, in order of first use. */
export class CookieJar {
  private n = 0;
  next(): number {
    return ++this.n;
  }
}

abstract class ModelSocket {
  protected cookieNum = 0;
  readonly family: number = AF_INET;
  readonly type: number = SOCK_STREAM;
  readonly protocol: number = IPPROTO_TCP;
  constructor(protected readonly jar: CookieJar) {}

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
  /** Bound local address and port (0.0.0.0 = INADDR_ANY); port 0 until bound. */
  srcIp4 = 0;
  srcPort = 0;
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
  ) {
    super(jar);
  }

  get reuseportGroupId(): number | null {
    const g = this.group;
    return g !== NO_GROUP ? g.id : null;
  }

  get bindInany(): boolean {
    const g = this.group;
    return g !== NO_GROUP ? g.bindInany : this.srcIp4 === 0;
  }

  /** sk_ack_backlog */
  get ackBacklog(): number {
    return this.acceptQueue.length;
  }
}

/** One 4-tuple's ehash slot: what a segment from this peer finds first (R16). */
export class Flow {
  /** The request or full socket hashed under this 4-tuple, if any. */
  ehash: RequestSock | ChildSock | null = null;
  /** The server answered with a syncookie SYN-ACK: no request exists, the ACK validates (R17). */
  cookie = false;
  constructor(
    readonly id: number,
    readonly localIp: number,
    readonly localPort: number,
    readonly remoteIp: number,
    readonly remotePort: number,
    /** The connection hash (sk_hash), fixed for the connection's life (spec §3). */
    readonly hash: number,
  ) {}
}

/** A request sock (NEW_SYN_RECV): `struct request_sock` / `inet_request_sock`. */
export class RequestSock extends ModelSocket implements VmSocket {
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

  constructor(
    jar: CookieJar,
    readonly flow: Flow,
    listener: Listener,
  ) {
    super(jar);
    this.listener = listener;
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
  get hash(): number {
    return this.flow.hash;
  }
}

/** A full socket created for a connection: ESTABLISHED, or SYN_RECV for a TFO child. */
export class ChildSock extends ModelSocket implements VmSocket {
  state: number = TCP_ESTABLISHED;
  readonly reuseportGroupId = null;
  /** A TFO child's request (`fastopen_rsk`) until its handshake completes; R13 re-points it at a clone. */
  fastopenRsk: RequestSock | null = null;
  constructor(
    jar: CookieJar,
    readonly flow: Flow,
  ) {
    super(jar);
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
