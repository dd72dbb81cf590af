/**
 * Packet input and the SYN-ACK timer for one stack: a SYN (R9–R11, tcp_conn_request with
 * syncookies and TFO), the final ACK (R16, R17, tcp_check_req, inet_csk_complete_hashdance)
 * and `reqsk_timer_handler` (R15). Each function returns what the peer experiences next.
 * Segments carry what the rules read (SYN or ACK, TFO, the payload length) and, for a program
 * that reads packet bytes, what `TcpStack.segment` records (tcp-packet.ts lays them out).
 * Omitted: SYN retransmits hitting an existing request (answered by the request's timer),
 * out-of-window ACKs, socket filters, EmbryonicRsts outside the overflow path.
 */
import { AF_INET6, TCP_ESTABLISHED, TCP_LISTEN, TCP_SYN_RECV } from "../vm/socket.js";
import { NO_GROUP, REFUSED } from "./group.js";
import { dualStackSockHash } from "./hash.js";
import type { ListenBucket } from "./lhash.js";
import { ChildSock, type Flow, type Listener, RequestSock } from "./sockets.js";
import type { LossCause, TcpStack } from "./stack.js";

/** TCP_TIMEOUT_INIT and TCP_RTO_MAX, µs. */
export const TIMEOUT_INIT_US = 1_000_000;
export const RTO_MAX_US = 120_000_000;
/**
 * ctx `len` is skb->len at the lookup: the TCP header with its options, plus the payload
 * (measured with an sk_reuseport program on this machine's kernel: a SYN reads 40, a 25-byte
 * data segment 57; 32 and 45 with tcp_timestamps=0). A Linux SYN carries MSS, SACK-permitted,
 * timestamps and window scale (20 option bytes, 12 without timestamps); every later segment
 * carries the 12-byte timestamp option only. Omitted: the TFO cookie option on a TFO SYN.
 */
export function synLen(st: TcpStack, payload: number): number {
  return (st.ns.sysctl.tcp_timestamps !== 0 ? 40 : 32) + payload;
}

/** ctx `len` of an ACK or data segment after the handshake (> 0, R16). */
export function segmentLen(st: TcpStack, payload: number): number {
  return (st.ns.sysctl.tcp_timestamps !== 0 ? 32 : 20) + payload;
}

export type SynOutcome =
  | { kind: "rst"; cause: LossCause } // no listener, or the prog refused (R10)
  | { kind: "dropped" } // SYN dropped (backlog full / SYN queue full without cookies): the client retries
  | { kind: "synack"; listener: Listener } // a request in NEW_SYN_RECV
  | { kind: "cookie"; listener: Listener } // a syncookie SYN-ACK, no state (R17)
  | { kind: "tfo"; listener: Listener }; // a TFO child in the accept queue

export type AckOutcome =
  | { kind: "queued"; listener: Listener } // a child went into this listener's accept queue
  | { kind: "established" } // a TFO child completed its handshake
  | { kind: "kept" } // the request stays (acked): overflow with abort_on_overflow=0, or defer-accept
  | { kind: "rst"; cause: LossCause }
  | { kind: "dropped" }; // segment discarded, no state change

/**
 * R9: exact-address bucket, then the wildcard one. In a bucket the kernel scores each listener
 * (compute_score) and runs the group selection of the first one scoring above all before it:
 * for an IPv4 segment an AF_INET listener scores 2, an AF_INET6 one without IPV6_V6ONLY 1;
 * for an IPv6 segment only AF_INET6 listeners score.
 */
export function lookupListener(st: TcpStack, flow: Flow, len: number): Listener | null | typeof REFUSED {
  if (flow.family === AF_INET6) return lookupListener6(st, flow, len);
  for (let pass = flow.localIp === 0 ? 1 : 0; pass < 2; pass++) {
    const b = st.bucket(pass === 0 ? flow.localIp : 0, flow.localPort);
    if (b === undefined) continue;
    const first = b.head;
    if (first === null) continue;
    if (first.family !== AF_INET6) {
      // The common case: an IPv4 head scores highest, nothing after it can beat it.
      if (first.reuseport && first.group !== NO_GROUP) {
        const r = st.reuseportSelect(first, flow.hash, len);
        if (r !== null) return r; // a refusal ends the lookup: no INADDR_ANY retry (R10)
      }
      return first;
    }
    const r = scanBucket(st, b, first, flow, len);
    if (r !== null) return r;
  }
  return null;
}

/** R9 for an IPv6 segment: the exact address's bucket, then `::`'s (shared with 0.0.0.0). */
function lookupListener6(st: TcpStack, flow: Flow, len: number): Listener | null | typeof REFUSED {
  for (let pass = 0; pass < 2; pass++) {
    const b = pass === 0 ? st.bucket6(flow.localKey6, flow.localPort) : st.bucket(0, flow.localPort);
    const first = b?.head ?? null;
    if (first === null) continue;
    const r = scanBucket(st, b as ListenBucket, first, flow, len);
    if (r !== null) return r;
  }
  return null;
}

/** compute_score of `sk` for a segment of `flow` (its bucket already matched the address). */
function score(sk: Listener, flow: Flow): number {
  if (flow.family === AF_INET6) return sk.family === AF_INET6 ? 1 : -1;
  return sk.family !== AF_INET6 ? 2 : sk.v6only ? -1 : 1;
}

/** inet_lhash2_lookup over one bucket: the first listener scoring higher than all before it selects. */
function scanBucket(
  st: TcpStack,
  b: ListenBucket,
  first: Listener,
  flow: Flow,
  len: number,
): Listener | null | typeof REFUSED {
  let best: Listener | null = null;
  let hi = -1;
  for (let s: Listener | null = first; s !== null; s = b.after(s)) {
    const sc = score(s, flow);
    if (sc <= hi) continue;
    if (s.reuseport && s.group !== NO_GROUP) {
      const r = st.reuseportSelect(s, flow.hash, len);
      if (r !== null) return r;
    }
    best = s;
    hi = sc;
  }
  return best;
}

/** sk_hash of the request or child `sk` makes for `flow` (see `Flow.sockHash`). */
function sockHashOn(sk: Listener, flow: Flow): number {
  return sk.family === AF_INET6 && flow.family !== AF_INET6 ? dualStackSockHash(flow.hash) : flow.hash;
}

function armTimer(st: TcpStack, req: RequestSock): void {
  const at = st.now + Math.min(TIMEOUT_INIT_US * 2 ** req.num_timeout, RTO_MAX_US);
  req.timerAt = at;
  st.observer.armTimer?.(req, at);
}

/** sk_acceptq_is_full: strictly more than the backlog. */
function acceptqFull(l: Listener): boolean {
  return l.ackBacklog > l.maxAckBacklog;
}

/** A SYN from `flow`'s peer (tcp_v4_rcv → tcp_conn_request). */
export function receiveSyn(
  st: TcpStack,
  flow: Flow,
  opts: { fastOpen?: boolean; dataLen?: number; data?: Uint8Array | null } = {},
): SynOutcome {
  const c = st.ns.counters;
  const dataLen = opts.dataLen ?? 0;
  // Only a TFO SYN carries its payload.
  const payloadLen = opts.fastOpen === true ? dataLen : 0;
  const seg = st.segment;
  seg.flow = flow;
  seg.syn = true;
  seg.payloadLen = payloadLen;
  seg.payload = opts.data ?? null;
  const sk = lookupListener(st, flow, synLen(st, payloadLen));
  if (sk === REFUSED || sk === null) {
    c.OutRsts++;
    return { kind: "rst", cause: sk === REFUSED ? "program-refused" : "no-listener" };
  }
  flow.sockHash = sockHashOn(sk, flow);
  const syncookies = st.ns.sysctl.tcp_syncookies;
  let wantCookie = false;
  if (syncookies === 2 || sk.qlen >= sk.maxAckBacklog) {
    if (syncookies !== 0) {
      wantCookie = true;
      c.TCPReqQFullDoCookies++;
    } else {
      c.TCPReqQFullDrop++;
      c.ListenDrops++;
      return { kind: "dropped" };
    }
  }
  if (acceptqFull(sk)) {
    c.ListenOverflows++;
    c.ListenDrops++;
    return { kind: "dropped" };
  }
  if (wantCookie) {
    c.SyncookiesSent++;
    flow.cookie = true;
    return { kind: "cookie", listener: sk };
  }
  // TFO: server bit 0x2 and a listener queue; the client is assumed to hold a valid cookie.
  if (opts.fastOpen === true && dataLen > 0 && (st.ns.sysctl.tcp_fastopen & 0x2) !== 0 && sk.fastOpenMax > 0) {
    if (sk.fastOpenQlen >= sk.fastOpenMax) {
      c.TCPFastOpenListenOverflow++; // fall back to a normal handshake
    } else {
      const req = new RequestSock(st.jar, flow, sk);
      sk.refs++;
      req.tfo = true;
      const child = new ChildSock(st.jar, flow, sk.family);
      child.state = TCP_SYN_RECV;
      child.fastopenRsk = req;
      req.child = child;
      sk.fastOpenQlen++;
      sk.acceptQueue.push(req);
      flow.ehash = child;
      c.TCPFastOpenPassive++;
      st.observer.queued?.(sk);
      return { kind: "tfo", listener: sk };
    }
  }
  const req = new RequestSock(st.jar, flow, sk);
  sk.refs++;
  sk.qlen++; // reqsk_queue_added
  sk.young++;
  flow.ehash = req;
  armTimer(st, req);
  return { kind: "synack", listener: sk };
}

/** `reqsk_queue_removed` on `l` for `req`. */
function queueRemoved(l: Listener, req: RequestSock): void {
  l.qlen--;
  if (req.num_timeout === 0) l.young--;
}

/** Unlink a request from ehash and drop it from `l`'s SYN queue (`inet_csk_reqsk_queue_drop`). */
function dropRequest(st: TcpStack, req: RequestSock, l: Listener): void {
  if (req.flow.ehash === req) req.flow.ehash = null;
  queueRemoved(l, req);
  st.release(req);
}

/** The final ACK (or any later segment) from `flow`'s peer. */
export function receiveAck(
  st: TcpStack,
  flow: Flow,
  opts: { dataLen?: number; data?: Uint8Array | null } = {},
): AckOutcome {
  const dataLen = opts.dataLen ?? 0;
  const seg = st.segment;
  seg.flow = flow;
  seg.syn = false;
  seg.payloadLen = dataLen;
  seg.payload = opts.data ?? null;
  const e = flow.ehash;
  if (e instanceof ChildSock) {
    if (e.state === TCP_SYN_RECV) {
      e.state = TCP_ESTABLISHED; // a TFO child completes its handshake
      // reqsk_fastopen_remove: the TFO queue of the request's *current* listener shrinks
      // (after a migration that is the target, as in the kernel).
      if (e.fastopenRsk !== null) e.fastopenRsk.listener.fastOpenQlen--;
      e.fastopenRsk = null;
      return { kind: "established" };
    }
    return { kind: "dropped" };
  }
  if (e instanceof RequestSock) {
    const r = requestAck(st, e, dataLen);
    if (r !== null) return r;
  }
  return listenerAck(st, flow, dataLen);
}

/** R16: tcp_v4_rcv's NEW_SYN_RECV branch. Null means "look the packet up again". */
function requestAck(st: TcpStack, req: RequestSock, dataLen: number): AckOutcome | null {
  const c = st.ns.counters;
  const flow = req.flow;
  const old = req.listener;
  let sk = old;
  if (old.state !== TCP_LISTEN) {
    const nsk = st.reuseportMigrate(old, req, flow.sockHash, segmentLen(st, dataLen));
    if (nsk === null) {
      dropRequest(st, req, old);
      return null;
    }
    sk = nsk;
  }
  // tcp_check_req against sk (the target's settings apply).
  if (req.num_timeout < sk.deferAccept && dataLen === 0) {
    req.acked = true; // a bare ACK under TCP_DEFER_ACCEPT
    c.TCPDeferAcceptDrop++;
    return { kind: "kept" };
  }
  if (acceptqFull(sk)) {
    c.ListenOverflows++;
    c.ListenDrops++;
    if (sk !== old) c.TCPMigrateReqFailure++; // R19: listen_overflow on a migration target
    if (st.ns.sysctl.tcp_abort_on_overflow === 0) {
      req.acked = true;
      return { kind: "kept" };
    }
    c.OutRsts++;
    c.EmbryonicRsts++;
    // inet_csk_reqsk_queue_drop(sk, req): accounted against sk, not the old listener (spec §6).
    if (flow.ehash === req) flow.ehash = null;
    queueRemoved(sk, req);
    st.release(req);
    st.observer.reset?.(flow, "overflow-abort");
    return { kind: "rst", cause: "overflow-abort" };
  }
  // Child created; inet_csk_complete_hashdance.
  const child = new ChildSock(st.jar, flow, sk.family);
  flow.ehash = child;
  queueRemoved(old, req);
  if (sk !== old) {
    const nreq = st.cloneRequest(req, sk);
    nreq.child = child;
    st.release(req);
    if (sk.state === TCP_LISTEN) {
      sk.acceptQueue.push(nreq);
      c.TCPMigrateReqSuccess++; // R18
      st.observer.migrated?.(flow, "ack", old, sk);
      st.observer.queued?.(sk);
      return { kind: "queued", listener: sk };
    }
    c.TCPMigrateReqFailure++; // R19: target not LISTEN
    st.release(nreq);
    st.forgetChild(flow, child, "target-not-listening");
    return { kind: "rst", cause: "target-not-listening" };
  }
  req.child = child;
  req.timerAt = -1;
  sk.acceptQueue.push(req);
  st.observer.queued?.(sk);
  return { kind: "queued", listener: sk };
}

/** An ACK with no request: a live listener validates a syncookie (R17) or answers RST. */
function listenerAck(st: TcpStack, flow: Flow, dataLen: number): AckOutcome {
  const c = st.ns.counters;
  const sk = lookupListener(st, flow, segmentLen(st, dataLen));
  if (sk === REFUSED || sk === null) {
    c.OutRsts++;
    const cause: LossCause = sk === REFUSED ? "program-refused" : "no-listener";
    st.observer.reset?.(flow, cause);
    return { kind: "rst", cause };
  }
  if (flow.cookie && st.ns.sysctl.tcp_syncookies !== 0) {
    flow.sockHash = sockHashOn(sk, flow);
    if (acceptqFull(sk)) {
      c.ListenOverflows++;
      c.ListenDrops++;
      return { kind: "dropped" };
    }
    c.SyncookiesRecv++;
    flow.cookie = false;
    const req = new RequestSock(st.jar, flow, sk);
    sk.refs++;
    const child = new ChildSock(st.jar, flow, sk.family);
    req.child = child;
    flow.ehash = child;
    sk.acceptQueue.push(req);
    st.observer.queued?.(sk);
    return { kind: "queued", listener: sk };
  }
  c.OutRsts++;
  st.observer.reset?.(flow, "no-request");
  return { kind: "rst", cause: "no-request" };
}

/**
 * R15 `reqsk_timer_handler`. Returns true when the SYN-ACK was resent (the peer, if it has
 * already acked, answers again; the caller decides).
 */
export function requestTimer(st: TcpStack, oreq: RequestSock): boolean {
  const c = st.ns.counters;
  const flow = oreq.flow;
  let req = oreq;
  let nreq: RequestSock | null = null;
  let l = oreq.listener;
  if (l.state !== TCP_LISTEN) {
    const nsk = st.reuseportMigrate(l, oreq, flow.sockHash, 0);
    if (nsk === null) {
      const cause = st.lossCause();
      dropRequest(st, oreq, oreq.listener); // step 1: silent drop
      st.observer.requestDropped?.(flow, cause);
      return false;
    }
    nreq = st.cloneRequest(oreq, nsk); // step 2
    nsk.qlen++; // reqsk_queue_migrated
    if (nreq.num_timeout === 0) nsk.young++;
    req = nreq;
    l = nsk;
  }
  // step 3: the normal timer logic against l and req.
  let max = l.synRetries !== 0 ? l.synRetries : st.ns.sysctl.tcp_synack_retries;
  const qlen = l.qlen;
  if (qlen * 2 > Math.max(8, l.maxAckBacklog)) {
    let young = l.young * 2;
    while (max > 2) {
      if (qlen < young) break;
      max--;
      young *= 2;
    }
  }
  const defer = l.deferAccept;
  let expire: boolean;
  let resend: boolean;
  if (defer === 0) {
    expire = req.num_timeout >= max;
    resend = true;
  } else {
    expire = req.num_timeout >= max && (!req.acked || req.num_timeout >= defer);
    resend = !req.acked || req.num_timeout >= defer - 1;
  }
  if (!expire) {
    // step 4: the resend always succeeds in the model.
    if (resend) req.num_retrans++;
    if (req.num_timeout++ === 0) l.young--;
    if (nreq !== null) {
      // The clone replaces the original in ehash.
      flow.ehash = nreq;
      c.TCPMigrateReqSuccess++; // R18
      queueRemoved(oreq.listener, oreq);
      st.release(oreq);
      st.observer.migrated?.(flow, "timer", oreq.listener, l);
    }
    armTimer(st, req);
    return resend;
  }
  // step 5: expired.
  if (nreq !== null) {
    c.TCPMigrateReqFailure++; // R19
    queueRemoved(l, nreq);
    st.release(nreq);
  }
  dropRequest(st, oreq, oreq.listener);
  st.observer.requestDropped?.(flow, "expired");
  return false;
}
