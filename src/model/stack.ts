/**
 * The TCP side of one network namespace: sockets and their system calls (bind, listen,
 * shutdown, close, accept, the reuseport prog options) and the stop-listen path with
 * migration point 1 (R4, R14). Packet input and the SYN-ACK timer (R9–R11, R15–R17) are in
 * tcp-input.ts; the socks[] bookkeeping in group.ts.
 * Time is an integer count of microseconds supplied by the caller (`now`).
 * Omitted: IPv6 buckets, SO_REUSEPORT uid checks, bound devices, TFO reset lists.
 */
import { ModelError } from "../errors.js";
import { TCP_CLOSE, TCP_LISTEN } from "../vm/socket.js";
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
import { PortTable } from "./ports.js";
import type { ReuseportProgram } from "./program.js";
import { ChildSock, CookieJar, Flow, Listener, RequestSock } from "./sockets.js";

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
  socket(name: string, reuseport = true): Listener {
    const sk = new Listener(this.jar, name, this.sockets.length);
    sk.reuseport = reuseport;
    this.sockets.push(sk);
    return sk;
  }

  /** bind(): port 0 picks an ephemeral port. Conflicts unless every holder set SO_REUSEPORT. */
  bind(sk: Listener, ip: number, port: number): void {
    if (sk.bound) throw errno("EINVAL", `socket ${sk.name} is already bound`);
    if (port === 0) {
      sk.autoBind = true;
      port = this.ephemeralPort();
    } else if (this.ports.clashes(ip >>> 0, port, sk.reuseport)) {
      // Only on refusal: the first holder in creation order, named in the message.
      const clash = this.sockets.find(
        (o) =>
          o !== sk &&
          o.bound &&
          !o.destroyed &&
          o.srcPort === port &&
          (o.srcIp4 === ip || o.srcIp4 === 0 || ip === 0) &&
          !(o.reuseport && sk.reuseport),
      ) as Listener;
      throw errno("EADDRINUSE", `port ${port} is held by socket ${clash.name} without SO_REUSEPORT on both`);
    }
    sk.srcIp4 = ip >>> 0;
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

  /** listen(): backlog capped at somaxconn; hashing joins or creates a group (R1, R2, R7). */
  listen(sk: Listener, backlog: number): void {
    if (sk.fdClosed) throw errno("EBADF", `socket ${sk.name} is closed`);
    const cap = Math.min(Math.max(backlog, 0), this.ns.sysctl.somaxconn);
    if (sk.state === TCP_LISTEN) {
      sk.maxAckBacklog = cap; // listen() again only updates the backlog
      return;
    }
    if (!sk.bound) this.bind(sk, sk.srcIp4, 0);
    sk.maxAckBacklog = cap;
    sk.state = TCP_LISTEN;
    const key = this.bucketKey(sk.srcIp4, sk.srcPort);
    let b = this.buckets.get(key);
    if (b === undefined) this.buckets.set(key, (b = new ListenBucket()));
    if (sk.reuseport) {
      const sk2 = b.find((o) => o.reuseport && o.state === TCP_LISTEN && o.srcIp4 === sk.srcIp4);
      try {
        if (sk2 !== undefined) reuseportAddSock(this, sk, sk2, sk.srcIp4 === 0);
        else reuseportAlloc(this, sk, sk.srcIp4 === 0);
      } catch (e) {
        sk.state = TCP_CLOSE;
        throw e;
      }
    } else if (b.size > 0) {
      sk.state = TCP_CLOSE;
      throw errno("EADDRINUSE", `port ${sk.srcPort} already has listeners`);
    }
    b.addHead(sk); // IPv4: head of the bucket (spec §6)
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
    const b = this.bucket(sk.srcIp4, sk.srcPort);
    if (b !== undefined) {
      b.remove(sk);
      if (b.size === 0) this.buckets.delete(this.bucketKey(sk.srcIp4, sk.srcPort));
    }
    sk.hashed = false;
    sk.state = TCP_CLOSE;
    if (sk.autoBind) this.unbind(sk); // tcp_set_state(TCP_CLOSE) puts an auto-bound port
    const c = this.ns.counters;
    for (let req = sk.acceptQueue.shift(); req !== undefined; req = sk.acceptQueue.shift()) {
      const child = req.child as ChildSock;
      const flow = req.flow;
      const nsk = this.reuseportMigrate(sk, child, flow.hash, 0);
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
