/**
 * The TCP side of one network namespace: sockets and their system calls (bind, listen,
 * shutdown, close, accept, the reuseport prog options) and the stop-listen path with
 * migration point 1 (R4, R14). Packet input and the SYN-ACK timer (R9–R11, R15–R17) are in
 * tcp-input.ts; the socks[] bookkeeping in group.ts.
 * Time is an integer count of microseconds supplied by the caller (`now`).
 * IPv6: an AF_INET6 listener on `::` or a v4-mapped address shares the IPv4 listening-hash
 * bucket of that address (the kernel's ipv6_portaddr_hash equals ipv4_portaddr_hash there),
 * so one bucket can hold both families; IPv4 listeners are added at its head, IPv6
 * SO_REUSEPORT ones at its tail (`__inet_hash`). A group holds one family, one IPV6_V6ONLY
 * setting and one exact address (R2, `inet_reuseport_add_sock`).
 * Omitted: SO_REUSEPORT uid checks, bound devices, TFO reset lists.
 */
import { ModelError } from "../errors.js";
import { AF_INET, AF_INET6, TCP_CLOSE, TCP_LISTEN } from "../vm/socket.js";
import {
  reuseportAddSock,
  reuseportAlloc,
  reuseportAttachProg,
  reuseportDetach,
  reuseportDetachProg,
  reuseportStopListen,
  ReuseportHost,
  type MigrateFailure,
} from "./group.js";
import { ListenBucket } from "./lhash.js";
import type { Netns } from "./netns.js";
import { bindOverlaps, PortTable } from "./ports.js";
import type { ReuseportProgram } from "./program.js";
import { addressKey6, ChildSock, CookieJar, Flow, Listener, RequestSock } from "./sockets.js";
import { ipv4Number, isAny, unmapV4, v4Mapped, v4RcvSaddr, type Address } from "./udp-packet.js";

/** The three migration points (spec §D). */
export type MigrationPoint = "close" | "timer" | "ack";

/** Why the server sent an RST (or silently lost a connection). */
export type LossCause =
  | "no-listener" // SYN/ACK found no socket (R10 refusal excluded)
  | "program-refused" // R10: prog returned other than SK_PASS for a new SYN
  | "not-migrated" // R14/R15/R16: closed listener, no target (not capable / detached)
  | "program-drop" // R12 step 6: prog refused the migration
  | "target-not-listening" // R14/R16: the target was not LISTEN at queue-add
  | "overflow-abort" // R16 with tcp_abort_on_overflow=1
  | "expired" // R15: SYN-ACK retries exhausted
  | "no-request"; // a bare ACK reached a listener without a request or valid cookie

/** Callbacks from the stack to whoever drives it (the simulator, a test). */
export interface StackObserver {
  migrated?(flow: Flow, point: MigrationPoint, from: Listener, to: Listener): void;
  /** The server sent an RST for this flow (its client sees a reset). */
  reset?(flow: Flow, cause: LossCause): void;
  /** A request was dropped without an RST; the peer finds out later. */
  requestDropped?(flow: Flow, cause: LossCause): void;
  /** Arm (or re-arm) `req`'s SYN-ACK timer for time `at` (µs). */
  armTimer?(req: RequestSock, at: number): void;
  /** A child entered `l`'s accept queue. */
  queued?(l: Listener): void;
  /** A socket left its group's listening section for good or was unhashed: for sockarrays (R4 a, R6). */
  removedFromGroup?(sk: Listener): void;
}

/**
 * The segment being processed, for a program that reads packet bytes (runtime-adapter.ts
 * builds them only then). Set before each lookup of a SYN or a later segment; the paths
 * without a packet (close, the SYN-ACK timer) run programs with len 0 and read none of it.
 */
export interface CurrentSegment {
  flow: Flow | null;
  syn: boolean;
  payloadLen: number;
  /** The payload bytes when the scenario gives them (else zeros). */
  payload: Uint8Array | null;
}

export const EPHEMERAL_FIRST = 32768;
export const EPHEMERAL_LAST = 60999;

function errno(name: string, message: string): ModelError {
  return new ModelError(`model.${name}`, `${message} (${name})`);
}

/** `secs_to_retrans(seconds, TCP_TIMEOUT_INIT=1 s, TCP_RTO_MAX=120 s)` for TCP_DEFER_ACCEPT. */
export function secsToRetrans(seconds: number): number {
  if (seconds <= 0) return 0;
  let res = 1;
  let timeout = 1;
  let period = 1;
  while (seconds > period && res < 255) {
    res++;
    timeout = Math.min(timeout * 2, 120);
    period += timeout;
  }
  return res;
}

export class TcpStack extends ReuseportHost {
  readonly jar = new CookieJar();
  /** Current virtual time, µs; the driver advances it. */
  now = 0;
  /** lhash2 buckets keyed ip * 65536 + port, head first (IPv4 listeners are added at the head). */
  readonly buckets = new Map<number, ListenBucket>();
  /** Buckets of IPv6 addresses other than `::` and v4-mapped ones, keyed `addressKey6/port`. */
  readonly buckets6 = new Map<string, ListenBucket>();
  /** The segment now being looked up (see `CurrentSegment`); one object, rewritten per segment. */
  readonly segment: CurrentSegment = { flow: null, syn: false, payloadLen: 0, payload: null };
  readonly sockets: Listener[] = [];
  /** Bound ports and their holders (bind conflicts, ephemeral ports). */
  private readonly ports = new PortTable();
  private groupIds = 0;
  private nextPort = EPHEMERAL_FIRST;
  /** Set by `reuseportMigrate` when it returns null. */
  lastMigrateFailure: MigrateFailure = "detached";
  private readonly mapHooks: ((sk: Listener) => void)[] = [];

  constructor(
    ns: Netns,
    public observer: StackObserver = {},
  ) {
    super(ns);
  }

  // ---- ReuseportHost ----
  removeFromMaps(sk: Listener): void {
    for (const h of this.mapHooks) h(sk);
    this.observer.removedFromGroup?.(sk);
  }
  newGroupId(): number {
    return ++this.groupIds;
  }
  nowNs(): number {
    return this.now * 1000;
  }
  noteMigrateFailure(why: MigrateFailure): void {
    this.lastMigrateFailure = why;
  }

  /** Subscribe a sockarray: called when a socket must leave every REUSEPORT_SOCKARRAY (R4 a, R6). */
  onRemoveFromMaps(hook: (sk: Listener) => void): void {
    this.mapHooks.push(hook);
  }

  // ---- socket calls ----
  /** socket(): AF_INET (default) or AF_INET6, with IPV6_V6ONLY for the latter. */
  socket(name: string, reuseport = true, family: number = AF_INET, v6only = false): Listener {
    const sk = new Listener(this.jar, name, this.sockets.length, family);
    sk.reuseport = reuseport;
    sk.v6only = family === AF_INET6 && v6only;
    if (family === AF_INET6) sk.srcIp6 = new Uint8Array(16);
    this.sockets.push(sk);
    return sk;
  }

  /**
   * bind(): port 0 picks an ephemeral port. Conflicts unless every holder set SO_REUSEPORT.
   * `ip` is a host-order IPv4 address or an `Address`; an AF_INET6 socket given an IPv4 one
   * binds its v4-mapped form (0: `::`).
   */
  bind(sk: Listener, ip: number | Address, port: number): void {
    if (sk.bound) throw errno("EINVAL", `socket ${sk.name} is already bound`);
    const saved = { srcIp4: sk.srcIp4, srcIp6: sk.srcIp6, bindKey: sk.bindKey };
    setAddress(sk, ip);
    const restore = (): void => {
      sk.srcIp4 = saved.srcIp4;
      if (saved.srcIp6 !== undefined) sk.srcIp6 = saved.srcIp6;
      sk.bindKey = saved.bindKey;
    };
    if (port === 0) {
      sk.autoBind = true;
      port = this.ephemeralPort();
    } else if (this.ports.clash(sk, port) !== null) {
      // Only on refusal: the first holder in creation order, named in the message.
      const clash = this.sockets.find(
        (o) =>
          o !== sk &&
          o.bound &&
          !o.destroyed &&
          o.srcPort === port &&
          bindOverlaps(sk, o) &&
          !(o.reuseport && sk.reuseport),
      ) as Listener;
      restore(); // a refused bind leaves the address unset, as inet_bind does
      throw errno("EADDRINUSE", `port ${port} is held by socket ${clash.name} without SO_REUSEPORT on both`);
    }
    sk.srcPort = port;
    sk.bound = true;
    this.ports.add(sk);
  }

  /** The socket gives its port back (close of an auto-bound listener, or sk_destruct). */
  private unbind(sk: Listener): void {
    if (!sk.bound) return;
    this.ports.remove(sk);
    sk.bound = false;
  }

  private ephemeralPort(): number {
    for (;;) {
      const p = this.nextPort;
      this.nextPort = p >= EPHEMERAL_LAST ? EPHEMERAL_FIRST : p + 1;
      if (!this.ports.inUse(p)) return p;
    }
  }

  private bucketKey(ip: number, port: number): number {
    return (ip >>> 0) * 65536 + port;
  }

  bucket(ip: number, port: number): ListenBucket | undefined {
    return this.buckets.get(this.bucketKey(ip, port));
  }

  /** The bucket of an IPv6 address key (`addressKey6`) and port. */
  bucket6(key: string, port: number): ListenBucket | undefined {
    return this.buckets6.get(`${key}/${port}`);
  }

  /** sk's listening-hash bucket (created when `create`). */
  private bucketOf(sk: Listener, create: boolean): ListenBucket | undefined {
    const k = sk.bindKey;
    const map: Map<number | string, ListenBucket> = typeof k === "number" ? this.buckets : this.buckets6;
    const key = typeof k === "number" ? this.bucketKey(k, sk.srcPort) : `${k}/${sk.srcPort}`;
    let b = map.get(key);
    if (b === undefined && create) map.set(key, (b = new ListenBucket()));
    return b;
  }

  private dropBucketIfEmpty(sk: Listener, b: ListenBucket): void {
    if (b.size > 0) return;
    const k = sk.bindKey;
    if (typeof k === "number") this.buckets.delete(this.bucketKey(k, sk.srcPort));
    else this.buckets6.delete(`${k}/${sk.srcPort}`);
  }

  /** listen(): backlog capped at somaxconn; hashing joins or creates a group (R1, R2, R7). */
  listen(sk: Listener, backlog: number): void {
    if (sk.fdClosed) throw errno("EBADF", `socket ${sk.name} is closed`);
    const cap = Math.min(Math.max(backlog, 0), this.ns.sysctl.somaxconn);
    if (sk.state === TCP_LISTEN) {
      sk.maxAckBacklog = cap; // listen() again only updates the backlog
      return;
    }
    if (!sk.bound) this.bind(sk, sk.family === AF_INET6 ? sk.address : sk.srcIp4, 0);
    sk.maxAckBacklog = cap;
    sk.state = TCP_LISTEN;
    const b = this.bucketOf(sk, true) as ListenBucket;
    if (sk.reuseport) {
      const sk2 = b.find((o) => o.reuseport && o.state === TCP_LISTEN && sameGroupKey(o, sk));
      try {
        if (sk2 !== undefined) reuseportAddSock(this, sk, sk2, sk.anyAddress);
        else reuseportAlloc(this, sk, sk.anyAddress);
      } catch (e) {
        sk.state = TCP_CLOSE;
        this.dropBucketIfEmpty(sk, b);
        throw e;
      }
    } else if (b.find((o) => bindOverlaps(sk, o)) !== undefined) {
      sk.state = TCP_CLOSE;
      this.dropBucketIfEmpty(sk, b);
      throw errno("EADDRINUSE", `port ${sk.srcPort} already has listeners`);
    }
    // IPv4 at the head of the bucket, IPv6 SO_REUSEPORT listeners at its tail (spec §6).
    if (sk.reuseport && sk.family === AF_INET6) b.addTail(sk);
    else b.addHead(sk);
    sk.hashed = true;
  }

  /** shutdown(): SHUT_RD or SHUT_RDWR stop a listener; SHUT_WR does nothing (R4). */
  shutdown(sk: Listener, how: "rd" | "wr" | "rdwr"): void {
    if (sk.fdClosed) throw errno("EBADF", `socket ${sk.name} is closed`);
    if (sk.state !== TCP_LISTEN) throw errno("ENOTCONN", `socket ${sk.name} is not listening`);
    if (how === "wr") return;
    this.stopListening(sk);
  }

  /** close(): stops listening (R4, R14), then frees the socket once no request holds it (R6). */
  close(sk: Listener): void {
    if (sk.fdClosed) throw errno("EBADF", `socket ${sk.name} is already closed`);
    if (sk.state === TCP_LISTEN) this.stopListening(sk);
    sk.fdClosed = true;
    this.maybeDestroy(sk);
  }

  /** sk_destruct once the fd is closed and no request refers to the listener (R6). */
  maybeDestroy(sk: Listener): void {
    if (!sk.fdClosed || sk.refs > 0 || sk.destroyed) return;
    sk.destroyed = true;
    this.unbind(sk);
    reuseportDetach(this, sk);
  }

  /** A request stops referring to its listener. */
  release(req: RequestSock): void {
    req.dead = true;
    const l = req.listener;
    l.refs--;
    if (l.refs === 0) this.maybeDestroy(l);
  }

  /** R13 `inet_reqsk_clone`: copy the request (counts, acked, cookie) onto `nsk`. Never fails here. */
  cloneRequest(req: RequestSock, nsk: Listener): RequestSock {
    const n = new RequestSock(this.jar, req.flow, nsk);
    n.adoptCookie(req);
    n.num_timeout = req.num_timeout;
    n.num_retrans = req.num_retrans;
    n.acked = req.acked;
    n.child = req.child;
    n.tfo = req.tfo;
    if (n.child !== null && n.child.fastopenRsk === req) n.child.fastopenRsk = n;
    nsk.refs++;
    return n;
  }

  /**
   * R4 then R14: unhash (group bookkeeping while still LISTEN), state CLOSE, release an
   * auto-bound port, then `inet_csk_listen_stop`: each accept-queue entry, head first, is
   * migrated (clone appended to the target's tail, no backlog check) or its child reset.
   */
  private stopListening(sk: Listener): void {
    reuseportStopListen(this, sk);
    const b = this.bucketOf(sk, false);
    if (b !== undefined) {
      b.remove(sk);
      this.dropBucketIfEmpty(sk, b);
    }
    sk.hashed = false;
    sk.state = TCP_CLOSE;
    if (sk.autoBind) this.unbind(sk); // tcp_set_state(TCP_CLOSE) puts an auto-bound port
    const c = this.ns.counters;
    for (let req = sk.acceptQueue.shift(); req !== undefined; req = sk.acceptQueue.shift()) {
      const child = req.child as ChildSock;
      const flow = req.flow;
      const nsk = this.reuseportMigrate(sk, child, flow.sockHash, 0);
      if (nsk !== null) {
        const nreq = this.cloneRequest(req, nsk);
        if (nsk.state === TCP_LISTEN) {
          nsk.acceptQueue.push(nreq); // tail, no backlog check
          c.TCPMigrateReqSuccess++; // R18
          this.observer.migrated?.(flow, "close", sk, nsk);
          this.observer.queued?.(nsk);
        } else {
          c.TCPMigrateReqFailure++; // R19: target not LISTEN at queue-add
          this.release(nreq);
          this.forgetChild(flow, child, "target-not-listening");
        }
      } else {
        this.forgetChild(flow, child, this.lossCause());
      }
      this.release(req);
    }
  }

  /** The cause matching `lastMigrateFailure`. */
  lossCause(): LossCause {
    return this.lastMigrateFailure === "program-drop" ? "program-drop" : "not-migrated";
  }

  /** `inet_child_forget`: disconnect (RST to the peer of an ESTABLISHED/SYN_RECV child). */
  forgetChild(flow: Flow, child: ChildSock, cause: LossCause): void {
    child.state = TCP_CLOSE;
    if (flow.ehash === child) flow.ehash = null;
    this.ns.counters.OutRsts++;
    this.observer.reset?.(flow, cause);
  }

  /** accept(): the head of the accept queue, or null (EAGAIN / EINVAL when not listening). */
  accept(sk: Listener): ChildSock | null {
    if (sk.state !== TCP_LISTEN) return null;
    const req = sk.acceptQueue.shift();
    if (req === undefined) return null;
    const child = req.child as ChildSock;
    sk.accepted++;
    this.release(req);
    return child;
  }

  // ---- options ----
  attachProgram(sk: Listener, prog: ReuseportProgram): void {
    reuseportAttachProg(this, sk, prog);
  }
  detachProgram(sk: Listener): void {
    reuseportDetachProg(sk);
  }
  /** TCP_DEFER_ACCEPT in seconds, stored as retransmits like the kernel. */
  setDeferAccept(sk: Listener, seconds: number): void {
    sk.deferAccept = secsToRetrans(seconds);
  }
  /** TCP_SYNCNT (0 = use tcp_synack_retries). */
  setSynRetries(sk: Listener, n: number): void {
    sk.synRetries = n;
  }
  /** TCP_FASTOPEN queue length (0 disables TFO on this listener). */
  setFastOpen(sk: Listener, qlen: number): void {
    sk.fastOpenMax = qlen;
  }

  findSocket(name: string): Listener | undefined {
    return this.sockets.find((s) => s.name === name);
  }
}

/** R2's address keys: same family, same IPV6_V6ONLY, exactly the same bound address. */
function sameGroupKey(a: Listener, b: Listener): boolean {
  if (a.family !== b.family || a.v6only !== b.v6only) return false;
  if (a.family !== AF_INET6) return a.srcIp4 === b.srcIp4;
  const x = a.srcIp6 as Uint8Array;
  const y = b.srcIp6 as Uint8Array;
  for (let i = 0; i < 16; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Set sk's bound address fields (srcIp4, srcIp6, bindKey) from a bind() argument. */
function setAddress(sk: Listener, ip: number | Address): void {
  let a: Address;
  if (typeof ip === "number") {
    const v4: Address = {
      family: AF_INET,
      bytes: Uint8Array.of(ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255),
    };
    a = sk.family === AF_INET6 ? (ip === 0 ? { family: AF_INET6, bytes: new Uint8Array(16) } : v4Mapped(v4)) : v4;
  } else if (ip.family !== sk.family) {
    if (sk.family !== AF_INET6)
      throw errno("EAFNOSUPPORT", `socket ${sk.name} is AF_INET and cannot bind an IPv6 address`);
    a = v4Mapped(ip);
  } else a = ip;
  if (a.family !== AF_INET6) {
    sk.srcIp4 = ipv4Number(a);
    sk.bindKey = sk.srcIp4;
    return;
  }
  sk.srcIp6 = a.bytes.slice();
  sk.srcIp4 = v4RcvSaddr(a);
  const m = unmapV4(a);
  sk.bindKey = isAny(a) ? 0 : m !== null ? ipv4Number(m) : addressKey6(a.bytes);
}
