/**
 * The discrete-event simulator: drives one `TcpStack` through a scenario on a virtual clock
 * (integer µs), with clients (SYN, SYN retries, final ACK after a delay, TFO, data),
 * accept workers per listener, scheduled control-plane actions and periodic queue samples.
 * Same scenario + seed ⇒ the same event order ⇒ byte-identical results.
 * Client model: zero network delay; the final ACK reaches the server `ackDelayMs` after the
 * SYN-ACK (a withheld ACK, like the selftest's XDP drop); a client whose ACK was already
 * sent answers every retransmitted SYN-ACK at once. The ACK carries the client's data, or,
 * for a client with `dataAtMs`/`dataAfterMs`, is bare and the data follows in its own segment
 * (what TCP_DEFER_ACCEPT waits for). A dropped SYN is retried at 1, 2, 4 … s
 * up to tcp_syn_retries.
 */
import { ModelError } from "../errors.js";
import { AF_INET6, TCP_LISTEN } from "../vm/socket.js";
import { builtinProgram } from "./builtins.js";
import { EventQueue } from "./event-queue.js";
import { checkGroupLimit } from "./group-limit.js";
import { flowHash, foldIp6 } from "./hash.js";
import { ModelMaps } from "./model-maps.js";
import { Netns } from "./netns.js";
import type { ReuseportProgram } from "./program.js";
import type { ClientSpec, ListenerSpec, MapOperand, PublishSpec, Scenario, ScenarioEvent } from "./scenario.js";
import { Fifo } from "./fifo.js";
import { modelMapContents, SimTrace, type MapContents } from "./sim-trace.js";
import { formatIp, isSocketMapType, parseAddressOrNull } from "./scenario.js";
import { formatAddress, ipv4Number, parseHex, unmapV4, v4RcvSaddr, type Address } from "./udp-packet.js";
import { checkScenarioMaps } from "./scenario-maps.js";
import {
  addToHistogram,
  newHistogram,
  usToMs,
  type ConnectionSink,
  type ConnRecord,
  type Fate,
  type ListenerResult,
  type MigrationRec,
  type SimResult,
} from "./sim-result.js";
import { Flow, type FlowV6, type Listener, RequestSock } from "./sockets.js";
import { TcpStack, type MigrationPoint, type StackObserver } from "./stack.js";
import { receiveAck, receiveSyn, requestTimer } from "./tcp-input.js";
import { InertClients, type ParkedRow, SynRetries } from "./syn-retries.js";

export interface SimOptions {
  /** Overrides the scenario's seed. */
  readonly seed?: number;
  /** Programs for non-builtin `attach` policies, by the reference string in the scenario. */
  readonly programs?: ReadonlyMap<string, ReuseportProgram | ((maps: ModelMaps) => ReuseportProgram)>;
  /** Called once per connection when its fate is final (or at the end for open ones). */
  readonly onConnection?: (rec: ConnRecord) => void;
  /** Keep every record in `result.connectionRecords` (memory grows with the count). */
  readonly keepConnections?: boolean;
  /** Receives every finished connection as fields, no record built (the `--ndjson` writer). */
  readonly sink?: ConnectionSink;
  /**
   * Refuse scenario maps that no compiled policy declares (scenario-maps.ts); default true.
   * False for a run whose policy was swapped for another (`demo --policy`), whose maps differ.
   */
  readonly checkMaps?: boolean;
}

const K_EVENT = 0,
  K_ARRIVAL = 1,
  K_SYN = 2,
  K_ACK = 3,
  K_TIMER = 4,
  K_ACCEPT = 5,
  K_SAMPLE = 6,
  K_SYN_RETRY = 7,
  K_DATA = 8,
  K_PUBLISH = 9;
const SEC = 1_000_000;
/** `tag` of an inert client in the end-of-run index (SYN counts are at most 128). */
const INERT = 255;

class Conn extends Flow {
  synAt = 0;
  synTries = 0;
  /** Absolute time the final ACK arrives, or -1 (never). */
  ackAt = -1;
  ackSent = false;
  listener: Listener | null = null;
  migrations: MigrationRec[] | null = null;
  /** The `at` of this flow's timer event currently in the queue (-1 none). */
  timerQueued = -1;
  ackRetries = 0;
  /** A client that sends its data after the handshake: its data segment went out. */
  dataSent = false;
  /** SYN-ACKs the server sent this connection. */
  synAcks = 0;
  /** The listener holding its request or child now (after migrations), for per-listener resets. */
  owner: Listener | null = null;
  done = false;
  constructor(
    id: number,
    localIp: number,
    localPort: number,
    remoteIp: number,
    remotePort: number,
    hash: number,
    readonly client: ClientRun,
    /** Its arrival number in its client group (address, port, hash and first SYN follow from it). */
    readonly index: number,
    v6: FlowV6 | null,
  ) {
    super(id, localIp, localPort, remoteIp, remotePort, hash, v6);
  }
}

/** One client group while it runs: its spec, its index (for sinks) and the next arrival. */
interface ClientRun {
  readonly c: ClientSpec;
  readonly index: number;
  readonly dst: number;
  readonly src: number;
  /** IPv6 clients: the two addresses (the source's last 32 bits count up like an IPv4 source). */
  readonly dst6: Uint8Array | null;
  readonly src6: Uint8Array | null;
  /** The data's bytes, when the scenario gives them. */
  readonly payload: Uint8Array | null;
  i: number;
}

/** A client address as its segments carry it: IPv4 (v4-mapped text unmapped) or IPv6. */
function clientAddress(text: string): Address {
  const a = parseAddressOrNull(text) as Address;
  return unmapV4(a) ?? a;
}

interface Worker {
  readonly l: Listener;
  interval: number; // µs between accepts; 0 = at once; Infinity = never
  scheduled: boolean;
  last: number;
  syns: number;
  migratedIn: number;
  migratedOut: number;
  resets: number;
  maxQueue: number;
  /** Accept-queue length at each sample: the same array as `series.queues[name]`. */
  readonly samples: number[];
  /** Accept times (µs) still within the longest published connection lifetime ("active" load). */
  readonly acceptTimes: Fifo<number>;
}

function intervalOf(rate: number | null): number {
  return rate === null ? 0 : rate === 0 ? Infinity : SEC / rate;
}

export function simulate(sc: Scenario, opts: SimOptions = {}): SimResult {
  checkGroupLimit(sc); // before any socket is built
  const run = new SimRun(sc, opts);
  run.makePrograms();
  run.seedQueue();
  run.runEvents();
  run.finishInFlight();
  return run.result();
}

/**
 * One run's state and its steps: setup (constructor, `makePrograms`, `seedQueue`), the event
 * loop (`runEvents`, one handler per event kind), the clients' and workers' actions, and the
 * end (`finishInFlight`, `result`).
 */
class SimRun {
  readonly seed: number;
  readonly ns: Netns;
  readonly st: TcpStack;
  readonly maps: ModelMaps;
  readonly q = new EventQueue<unknown>();
  readonly keep: boolean;
  /** Build a ConnRecord per connection (kept, or passed to `onConnection`). */
  readonly record: boolean;
  readonly sink: ConnectionSink | undefined;
  readonly records: ConnRecord[] = [];
  readonly live = new Set<Conn>();
  /** Clients waiting to resend a dropped SYN: rows, not Conn objects (and not in `live`). */
  readonly retries = new SynRetries();
  /** Flood clients answered with a syncookie that never ACK: rows until the end. */
  readonly inert = new InertClients();
  /** Scratch for reading a parked client's row. */
  readonly row: ParkedRow = { id: 0, group: 0, index: 0, seq: 0, tries: 0 };
  readonly runs: ClientRun[];
  readonly workers: Worker[] = [];
  readonly byName = new Map<string, Listener>();
  readonly totals = { total: 0, accepted: 0, reset: 0, timedOut: 0, open: 0 };
  readonly causes: Record<string, number> = {};
  readonly migrations: Record<MigrationPoint, number> = { close: 0, timer: 0, ack: 0 };
  readonly latency = newHistogram();
  readonly synAckCounts: number[] = [];
  readonly trace: SimTrace;
  readonly durationUs: number;
  readonly sampleUs: number;
  readonly tMs: number[] = [];
  readonly queues: Record<string, number[]> = {};
  /** The longest "active" lifetime published (µs), 0 if none: accept times are kept that long. */
  readonly activeLifetimeUs: number;
  /** Programs by policy reference, one per reference. */
  readonly made = new Map<string, ReuseportProgram>();
  nextId = 0;

  constructor(
    readonly sc: Scenario,
    readonly opts: SimOptions,
  ) {
    this.seed = (opts.seed ?? sc.seed) >>> 0;
    this.ns = new Netns(sc.sysctls);
    this.st = new TcpStack(this.ns);
    this.maps = new ModelMaps(sc.maps, this.st);
    this.keep = opts.keepConnections === true;
    this.record = this.keep || opts.onConnection !== undefined;
    this.sink = opts.sink;
    this.runs = sc.clients.map((c, index) => {
      const src = clientAddress(c.src);
      const dst = clientAddress(c.dst);
      const v6 = src.family === AF_INET6;
      return {
        c,
        index,
        dst: ipv4Number(dst),
        src: ipv4Number(src),
        dst6: v6 ? dst.bytes : null,
        src6: v6 ? src.bytes : null,
        payload: c.payload === null ? null : parseHex(c.payload, `client ${c.name}`),
        i: 0,
      };
    });
    this.trace = new SimTrace(this.st);
    this.durationUs = Math.round(sc.durationMs * 1000);
    this.sampleUs = Math.max(1, Math.round(sc.sampleMs * 1000));
    for (const spec of sc.listeners) this.addListener(spec);
    this.activeLifetimeUs = Math.max(
      0,
      ...sc.publish.filter((p) => p.value === "active").map((p) => Math.round(p.lifetimeMs * 1000)),
    );
    this.st.observer = this.observer();
  }

  /** A scenario listener's socket, bound and configured, and its accept worker. */
  private addListener(spec: ListenerSpec): void {
    const st = this.st;
    const addr = parseAddressOrNull(spec.bind) as Address;
    const sk = st.socket(spec.name, true, addr.family, spec.v6only);
    st.bind(sk, addr, this.sc.port);
    if (spec.deferAcceptSec > 0) st.setDeferAccept(sk, spec.deferAcceptSec);
    if (spec.synRetries > 0) st.setSynRetries(sk, spec.synRetries);
    if (spec.fastOpenQlen > 0) st.setFastOpen(sk, spec.fastOpenQlen);
    this.byName.set(spec.name, sk);
    const samples: number[] = [];
    this.workers.push({
      l: sk,
      interval: intervalOf(spec.acceptRate),
      scheduled: false,
      last: -Infinity,
      syns: 0,
      migratedIn: 0,
      migratedOut: 0,
      resets: 0,
      maxQueue: 0,
      samples,
      acceptTimes: new Fifo<number>(),
    });
    this.queues[spec.name] = samples;
  }

  private worker(l: Listener): Worker {
    return this.workers[l.index] as Worker;
  }

  private listenerOf(name: string): Listener {
    return this.byName.get(name) as Listener;
  }

  /** What the stack reports back: migrations, resets, drops, timers, accept-queue arrivals. */
  private observer(): StackObserver {
    return {
      migrated: (flow, point, from, to) => {
        const c = flow as Conn;
        this.migrations[point]++;
        c.owner = to;
        this.worker(from).migratedOut++;
        this.worker(to).migratedIn++;
        if (this.record || this.sink !== undefined)
          (c.migrations ??= []).push({ atMs: usToMs(this.st.now), point, from: from.name, to: to.name });
      },
      reset: (flow, cause) => {
        this.finish(flow as Conn, "reset", null, cause);
      },
      requestDropped: (flow, cause) => {
        const c = flow as Conn;
        if (c.ackSent)
          this.finish(c, "reset", null, cause); // the client thinks it is connected
        else if (c.ackAt < 0) this.finish(c, "timed-out", null, cause === "expired" ? "no-ack" : cause);
        // otherwise its ACK arrives later and draws an RST (no-request)
      },
      armTimer: (req, at) => {
        const c = req.flow as Conn;
        if (!c.ackSent && c.ackAt >= 0 && c.ackAt < at) return; // the ACK comes first; re-armed after it
        c.timerQueued = at;
        this.q.push(at, K_TIMER, req);
      },
      queued: (l) => {
        const w = this.worker(l);
        if (l.ackBacklog > w.maxQueue) w.maxQueue = l.ackBacklog;
        this.scheduleAccept(w);
      },
    };
  }

  /**
   * Programs are made once per policy reference, before the first event: a policy's maps then
   * exist from the start (a map write before the attach reaches them), and every attach of the
   * same reference shares one program and its maps, as one loaded program attached twice does.
   */
  makePrograms(): void {
    this.sc.events.forEach((e, i) => {
      if (e.do !== "attach" || this.made.has(e.policy)) return;
      try {
        this.resolve(e.policy);
      } catch (err) {
        if (err instanceof ModelError)
          throw new ModelError(err.code, `/events/${i} (attach at ${e.at} ms): ${err.message}`, undefined, err.hint);
        throw err;
      }
    });
    if (this.opts.checkMaps !== false) checkScenarioMaps(this.sc, this.made);
  }

  /** The program for a policy reference, made on first use. */
  private resolve(ref: string): ReuseportProgram {
    const have = this.made.get(ref);
    if (have !== undefined) return have;
    let prog: ReuseportProgram;
    if (ref.startsWith("builtin:")) prog = builtinProgram(ref.slice(8), this.maps);
    else {
      const p = this.opts.programs?.get(ref);
      if (p === undefined)
        throw new ModelError(
          "model.policy-missing",
          `policy ${JSON.stringify(ref)} was not loaded`,
          undefined,
          "pass it with --policy or use a builtin: policy",
        );
      prog = typeof p === "function" ? p(this.maps) : p;
    }
    this.made.set(ref, prog);
    return prog;
  }

  /** The first events: listenAt, file events, client generators, samples, publishes. */
  seedQueue(): void {
    const { sc, q } = this;
    sc.listeners.forEach((l) => {
      if (l.listenAt !== null)
        q.push(Math.round(l.listenAt * 1000), K_EVENT, [{ at: l.listenAt, do: "listen", listener: l.name }, -1]);
    });
    sc.events.forEach((e, i) => q.push(Math.round(e.at * 1000), K_EVENT, [e, i]));
    for (const r of this.runs) if (r.c.count > 0) q.push(Math.round(r.c.startMs * 1000), K_ARRIVAL, r);
    this.sink?.names(
      this.runs.map((r) => r.c.name),
      this.workers.map((w) => w.l.name),
    );
    q.push(0, K_SAMPLE, null);
    sc.publish.forEach((p, i) => q.push(Math.round(p.startMs * 1000), K_PUBLISH, i));
  }

  /** Pops events in time order until the queue is empty or past the scenario's duration. */
  runEvents(): void {
    const q = this.q;
    for (let ev = q.pop(); ev !== undefined; ev = q.pop()) {
      const [at, kind, obj] = ev;
      if (at > this.durationUs) break;
      this.st.now = at;
      switch (kind) {
        case K_EVENT:
          this.onScenarioEvent(obj as [ScenarioEvent, number]);
          break;
        case K_ARRIVAL:
          this.onArrival(obj as ClientRun, at);
          break;
        case K_SYN:
          this.onSyn(obj as Conn);
          break;
        case K_SYN_RETRY:
          this.onSynRetry(obj as number);
          break;
        case K_ACK:
          this.onAck(obj as Conn);
          break;
        case K_DATA:
          this.onData(obj as Conn);
          break;
        case K_TIMER:
          this.onTimer(obj as RequestSock, at);
          break;
        case K_ACCEPT:
          this.onAccept(obj as Worker, at);
          break;
        case K_PUBLISH:
          this.onPublish(obj as number, at);
          break;
        case K_SAMPLE:
          this.onSample(at);
          break;
      }
    }
  }

  /** A control-plane action of the scenario (or a listener's listenAt, index -1). */
  private onScenarioEvent([e, i]: [ScenarioEvent, number]): void {
    try {
      this.apply(e);
    } catch (err) {
      if (err instanceof ModelError) {
        const where = i >= 0 ? `/events/${i}` : `listener ${("listener" in e && e.listener) || ""} listenAt`;
        throw new ModelError(err.code, `${where} (${e.do} at ${e.at} ms): ${err.message}`, undefined, err.hint);
      }
      throw err;
    }
  }

  /** The next client of group `a` sends its first SYN; the one after it is scheduled. */
  private onArrival(a: ClientRun, at: number): void {
    const c = this.connOf(a, a.i, ++this.nextId);
    c.synAt = at;
    this.trace.connection = c.id;
    this.totals.total++;
    this.live.add(c);
    this.sendSyn(c);
    a.i++;
    if (a.i < a.c.count)
      this.q.push(a.c.rate > 0 ? Math.round(a.c.startMs * 1000 + (a.i * SEC) / a.c.rate) : at, K_ARRIVAL, a);
  }

  private onSyn(c: Conn): void {
    this.trace.connection = c.id;
    if (!c.done) this.sendSyn(c);
  }

  /** The head of FIFO `tries` resends its SYN. */
  private onSynRetry(tries: number): void {
    const row = this.row;
    this.retries.front(tries, row);
    this.retries.shift(tries);
    const c = this.resume();
    this.trace.connection = c.id;
    this.scheduleRetryHead(tries); // the next in line (its event pops after this one)
    this.live.add(c);
    this.sendSyn(c);
  }

  private onAck(c: Conn): void {
    this.trace.connection = c.id;
    if (!c.done) this.sendAck(c);
  }

  /** The data segment of a client that sends it after a bare ACK. */
  private onData(c: Conn): void {
    if (c.done || c.dataSent) return;
    c.dataSent = true;
    this.trace.connection = c.id;
    this.deliver(c, c.client.c.dataBytes);
  }

  /** A request's SYN-ACK timer, unless the request or this arming of its timer is stale. */
  private onTimer(r: RequestSock, at: number): void {
    const c = r.flow as Conn;
    if (c.done || r.dead || c.ehash !== r || r.timerAt !== at) return;
    c.timerQueued = -1;
    this.trace.connection = c.id;
    const resent = requestTimer(this.st, r);
    if (resent) c.synAcks++;
    if (resent && c.ackSent && !c.done) this.q.push(at, K_ACK, c);
  }

  /** A worker's accept(): the child's connection is accepted. */
  private onAccept(w: Worker, at: number): void {
    w.scheduled = false;
    if (w.l.state !== TCP_LISTEN) return;
    const child = this.st.accept(w.l);
    if (child === null) return;
    w.last = at;
    if (this.activeLifetimeUs > 0) w.acceptTimes.push(at);
    this.finish(child.flow as Conn, "accepted", w.l, null);
    this.scheduleAccept(w);
  }

  /** Publish spec `index` writes its values, and is scheduled again. */
  private onPublish(index: number, at: number): void {
    const p = this.sc.publish[index] as PublishSpec;
    try {
      this.publish(p);
    } catch (err) {
      if (err instanceof ModelError)
        throw new ModelError(err.code, `/publish/${index} (at ${usToMs(at)} ms): ${err.message}`, undefined, err.hint);
      throw err;
    }
    const next = at + Math.max(1, Math.round(p.everyMs * 1000));
    if (next <= this.durationUs) this.q.push(next, K_PUBLISH, index);
  }

  /** Every listener's accept-queue length, for the series. */
  private onSample(at: number): void {
    this.tMs.push(usToMs(at));
    // Through the worker, not `queues[name]`: with thousands of listeners that object is a
    // dictionary, and a lookup per listener per sample dominated large runs.
    for (const w of this.workers) w.samples.push(w.l.ackBacklog);
    if (at + this.sampleUs <= this.durationUs) this.q.push(at + this.sampleUs, K_SAMPLE, null);
  }

  /** A scenario event's action on the stack, the maps or a worker. */
  private apply(e: ScenarioEvent): void {
    const { st, trace, maps } = this;
    switch (e.do) {
      case "listen": {
        const l = this.listenerOf(e.listener);
        const g = l.group;
        st.listen(l, e.backlog ?? (this.sc.listeners[l.index]?.backlog as number));
        trace.snapshot(`listen ${l.name}`, [g, l.group]);
        this.scheduleAccept(this.worker(l));
        break;
      }
      case "close":
      case "shutdown": {
        const l = this.listenerOf(e.listener);
        const g = l.group;
        if (e.do === "close") st.close(l);
        else st.shutdown(l, e.how);
        trace.snapshot(`${e.do} ${l.name}`, [g, l.group]);
        break;
      }
      case "attach":
        st.attachProgram(this.listenerOf(e.via), trace.traced(this.resolve(e.policy), e.policy));
        break;
      case "detach":
        st.detachProgram(this.listenerOf(e.via));
        break;
      case "sysctl":
        this.ns.setSysctl(e.name, e.value);
        break;
      case "map": {
        const socketMap = isSocketMapType(maps.get(e.map)?.decl.type ?? "array");
        maps.update(e.map, this.operand(e.key, false) as number, this.operand(e.value, socketMap));
        break;
      }
      case "map-delete":
        maps.delete(e.map, this.operand(e.key, false) as number);
        break;
      case "accept-rate": {
        const w = this.worker(this.listenerOf(e.listener));
        w.interval = intervalOf(e.rate);
        this.scheduleAccept(w);
        break;
      }
    }
  }

  /** A scenario key or value as the map takes it: a listener is itself in a socket map, else its cookie. */
  private operand(x: MapOperand, socketMap: boolean): Listener | number {
    if (typeof x === "number") return x;
    const l = this.listenerOf(x.listener);
    return socketMap ? l : Number(l.cookie);
  }

  /** Control plane: one write per listening listener with a slot. */
  private publish(p: PublishSpec): void {
    const lifetimeUs = Math.round(p.lifetimeMs * 1000);
    for (const w of this.workers) {
      const l = w.l;
      if (l.state !== TCP_LISTEN) continue;
      const slot = p.slotsFrom === null ? l.index : this.maps.slotOf(l, p.slotsFrom);
      if (slot === undefined) continue;
      let value: number;
      if (p.value === "queue") value = l.ackBacklog;
      else if (p.value === "accepted") value = l.accepted;
      else value = this.activeCount(w, lifetimeUs);
      this.maps.update(p.map, slot, value);
    }
  }

  /** Connections accepted within the lifetime are still open; older ones have closed. */
  private activeCount(w: Worker, lifetimeUs: number): number {
    const now = this.st.now;
    const times = w.acceptTimes;
    while (times.length > 0 && (times.at(0) as number) <= now - this.activeLifetimeUs) times.shift();
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((times.at(mid) as number) <= now - lifetimeUs) lo = mid + 1;
      else hi = mid;
    }
    return times.length - lo;
  }

  private scheduleAccept(w: Worker): void {
    if (w.scheduled || w.interval === Infinity || w.l.ackBacklog === 0) return;
    w.scheduled = true;
    this.q.push(Math.max(this.st.now, Math.ceil(w.last + w.interval)), K_ACCEPT, w);
  }

  /** When client `i` of group `r` sends its first SYN (as K_ARRIVAL schedules it). */
  private arrivalAt(r: ClientRun, i: number): number {
    return Math.round(r.c.startMs * 1000 + (r.c.rate > 0 ? (i * SEC) / r.c.rate : 0));
  }

  /** Connection `id`: client `i` of group `r`, its 4-tuple and hash derived from `i`. */
  private connOf(r: ClientRun, i: number, id: number): Conn {
    const port = this.sc.port;
    const off = r.c.srcPort - 1024 + i;
    const sport = 1024 + (off % 64512);
    if (r.src6 !== null) return this.connOf6(r, i, id, port, sport, Math.floor(off / 64512));
    const sip = (r.src + Math.floor(off / 64512)) >>> 0;
    const hash = r.c.hashes !== null ? (r.c.hashes[i] as number) : flowHash(this.seed, r.dst, port, sip, sport);
    return new Conn(id, r.dst, port, sip, sport, hash, r, i, null);
  }

  /** `connOf` for an IPv6 client group: the source's last 32 bits go up by `step`. */
  private connOf6(r: ClientRun, i: number, id: number, port: number, sport: number, step: number): Conn {
    const src = (r.src6 as Uint8Array).slice();
    const low = (((src[12]! << 24) | (src[13]! << 16) | (src[14]! << 8) | src[15]!) + step) >>> 0;
    src.set([low >>> 24, (low >>> 16) & 255, (low >>> 8) & 255, low & 255], 12);
    const dst = r.dst6 as Uint8Array;
    const hash =
      r.c.hashes !== null ? (r.c.hashes[i] as number) : flowHash(this.seed, foldIp6(dst), port, foldIp6(src), sport);
    // sk_rcv_saddr / inet_daddr of an IPv6 connection hold LOOPBACK4_IPV6 (127.0.0.6).
    const v4 = v4RcvSaddr({ family: AF_INET6, bytes: dst });
    return new Conn(id, v4, port, v4, sport, hash, r, i, { local: dst, remote: src });
  }

  /** The parked client in `row` back as a connection. */
  private resume(): Conn {
    const row = this.row;
    const r = this.runs[row.group] as ClientRun;
    const c = this.connOf(r, row.index, row.id);
    c.synAt = this.arrivalAt(r, row.index);
    c.synTries = row.tries;
    return c;
  }

  /** Queue the heap event of FIFO `tries`'s head: due 2^tries - 1 s after its first SYN. */
  private scheduleRetryHead(tries: number): void {
    const row = this.row;
    if (!this.retries.front(tries, row)) return;
    const due = this.arrivalAt(this.runs[row.group] as ClientRun, row.index) + SEC * (2 ** tries - 1);
    this.q.pushSeq(due, row.seq, K_SYN_RETRY, tries);
  }

  private sendSyn(c: Conn): void {
    const st = this.st;
    // Known before the SYN is processed, so armTimer can skip timers the ACK will pre-empt.
    const spec = c.client.c;
    c.ackAt = spec.ackDelayMs === null ? -1 : st.now + Math.round(spec.ackDelayMs * 1000);
    const out = receiveSyn(st, c, { fastOpen: spec.fastOpen, dataLen: spec.dataBytes, data: c.client.payload });
    switch (out.kind) {
      case "rst":
        this.finish(c, "reset", null, out.cause);
        return;
      case "dropped":
        this.synDropped(c);
        return;
      default:
        c.listener = out.listener;
        c.owner = out.listener;
        c.synAcks++;
        this.worker(out.listener).syns++;
        if (c.ackAt >= 0) this.q.push(c.ackAt, K_ACK, c);
        else if (out.kind === "cookie") {
          // A flood client with a cookie SYN-ACK: no server state, nothing more will happen.
          this.live.delete(c);
          this.inert.add(c.id, c.client.index, c.index, out.listener.index, c.synTries);
        }
    }
  }

  /** The server dropped `c`'s SYN: it times out, or waits to resend. */
  private synDropped(c: Conn): void {
    c.synTries++;
    if (c.synTries > this.ns.sysctl.tcp_syn_retries) this.finish(c, "timed-out", null, "syn-retries");
    else {
      // Nothing on the server refers to it: park it as a row until the retry.
      // Due at now + 2^(tries-1) s, after every client parked earlier with the same count.
      this.live.delete(c);
      const seq = this.q.reserveSeq();
      if (this.retries.park(c.synTries, c.id, c.client.index, c.index, seq))
        this.q.pushSeq(this.st.now + SEC * 2 ** (c.synTries - 1), seq, K_SYN_RETRY, c.synTries);
    }
  }

  private sendAck(c: Conn): void {
    if (!c.ackSent) {
      c.ackSent = true;
      const spec = c.client.c;
      if (dataPending(c))
        this.q.push(
          spec.dataAtMs !== null
            ? Math.max(this.st.now, Math.round(spec.dataAtMs * 1000))
            : this.st.now + Math.round((spec.dataAfterMs as number) * 1000),
          K_DATA,
          c,
        );
    }
    this.deliver(c, dataPending(c) ? 0 : c.client.c.dataBytes);
  }

  /** A segment from the client after its SYN-ACK: the (bare or data-carrying) ACK, or its data. */
  private deliver(c: Conn, payload: number): void {
    const out = receiveAck(this.st, c, { dataLen: payload, data: c.client.payload });
    if (out.kind === "kept") {
      const r = c.ehash as RequestSock;
      if (c.timerQueued !== r.timerAt) {
        c.timerQueued = r.timerAt;
        this.q.push(r.timerAt, K_TIMER, r);
      }
    } else if (out.kind === "dropped" && c.cookie) {
      // A cookie ACK dropped on overflow: a bare ACK is not retransmitted (data still to come
      // validates the cookie again); a segment with data is, with backoff.
      if (payload === 0 && dataPending(c)) return;
      if (payload > 0 && c.ackRetries < this.ns.sysctl.tcp_syn_retries)
        this.q.push(this.st.now + SEC * 2 ** c.ackRetries++, K_ACK, c);
      else this.finish(c, "timed-out", null, "cookie-ack-dropped");
    }
  }

  /** `c`'s fate is final: count it and report it (sink, record). Later calls do nothing. */
  private finish(c: Conn, fate: Fate, by: Listener | null, cause: ConnRecord["cause"]): void {
    if (c.done) return;
    c.done = true;
    this.live.delete(c);
    this.count(c, fate, cause);
    this.sink?.connection(
      c.id,
      c.client.index,
      c.v6 === null ? c.remoteIp : sourceText(c),
      c.remotePort,
      c.hash,
      c.synAt,
      c.listener?.index ?? -1,
      c.migrations,
      fate,
      by?.index ?? -1,
      cause,
      this.st.now,
      c.synAcks,
    );
    if (this.record) this.report(c, fate, by, cause);
  }

  /** A finished connection in the totals, causes, latency histogram and SYN-ACK counts. */
  private count(c: Conn, fate: Fate, cause: ConnRecord["cause"]): void {
    const totals = this.totals;
    if (fate === "accepted") {
      totals.accepted++;
      addToHistogram(this.latency, (this.st.now - c.synAt) / 1000);
    } else if (fate === "reset") totals.reset++;
    else if (fate === "timed-out") totals.timedOut++;
    else totals.open++;
    if (fate === "reset" && c.owner !== null) this.worker(c.owner).resets++;
    this.synAckCounts[c.synAcks] = (this.synAckCounts[c.synAcks] ?? 0) + 1;
    const key = cause === null ? fate : `${fate}:${cause}`;
    this.causes[key] = (this.causes[key] ?? 0) + 1;
  }

  /** A finished connection as a ConnRecord: kept and/or passed to `onConnection`. */
  private report(c: Conn, fate: Fate, by: Listener | null, cause: ConnRecord["cause"]): void {
    const rec: ConnRecord = {
      id: c.id,
      client: c.client.c.name,
      src: `${c.v6 === null ? formatIp(c.remoteIp) : sourceText(c)}:${c.remotePort}`,
      hash: c.hash,
      synAtMs: usToMs(c.synAt),
      listener: c.listener?.name ?? null,
      migrations: c.migrations ?? [],
      fate,
      by: by?.name ?? null,
      cause,
      endAtMs: usToMs(this.st.now),
      synAcks: c.synAcks,
    };
    if (this.keep) this.records.push(rec);
    this.opts.onConnection?.(rec);
  }

  /**
   * Everything still in flight at the end finishes "open", in arrival (id) order: live
   * connections and parked clients merged.
   */
  finishInFlight(): void {
    const { retries, inert, row } = this;
    this.st.now = Math.min(this.st.now, this.durationUs);
    const open = [...this.live].sort((a, b) => a.id - b.id);
    let i = 0;
    if (retries.size + inert.size > 0) {
      // Parked clients by id: pos[id] their row, tag[id] their SYN count (retries) or INERT.
      const n = this.nextId;
      const pos = new Int32Array(n + 1);
      const tag = new Uint8Array(n + 1);
      retries.indexInto(pos, tag);
      inert.indexInto(pos, tag, INERT);
      for (let id = 1; id <= n; id++) {
        const t = tag[id] as number;
        if (t === 0) continue;
        while (i < open.length && (open[i] as Conn).id < id) this.finish(open[i++] as Conn, "open", null, "in-flight");
        let c: Conn;
        if (t === INERT) {
          const l = (this.workers[inert.read(pos[id] as number, row)] as Worker).l;
          c = this.resume();
          c.listener = c.owner = l;
          c.synAcks = 1;
        } else {
          retries.read(t, pos[id] as number, row);
          c = this.resume();
        }
        this.finish(c, "open", null, "in-flight");
      }
    }
    while (i < open.length) this.finish(open[i++] as Conn, "open", null, "in-flight");
  }

  /** The run's result, from the tallies, the workers, the stack and the maps. */
  result(): SimResult {
    const sortedCauses: Record<string, number> = {};
    for (const k of Object.keys(this.causes).sort()) sortedCauses[k] = this.causes[k] as number;
    return {
      scenario: this.sc.name,
      seed: this.seed,
      durationMs: this.sc.durationMs,
      connections: this.totals,
      causes: sortedCauses,
      migrations: this.migrations,
      listeners: this.workers.map(listenerResult),
      counters: { ...this.ns.counters },
      series: { tMs: this.tMs, queues: this.queues },
      acceptLatency: this.latency,
      synAcks: Object.fromEntries(this.synAckCounts.flatMap((n, k) => (n === undefined ? [] : [[String(k), n]]))),
      trace: this.trace.result(),
      maps: [
        ...modelMapContents(this.maps),
        ...[...this.made.entries()].flatMap(([ref, p]) =>
          "dumpMaps" in p && typeof p.dumpMaps === "function"
            ? (p as { dumpMaps(owner: string): MapContents[] }).dumpMaps(ref)
            : [],
        ),
      ],
      ...(this.keep ? { connectionRecords: this.records } : {}),
    };
  }
}

/** Does the client send its data after a bare ACK (and has not yet)? */
function dataPending(c: Conn): boolean {
  return !c.dataSent && (c.client.c.dataAtMs !== null || c.client.c.dataAfterMs !== null);
}

/** A worker's listener as the result reports it. */
function listenerResult(w: Worker): ListenerResult {
  return {
    name: w.l.name,
    cookie: Number(w.l.cookie),
    syns: w.syns,
    accepted: w.l.accepted,
    migratedIn: w.migratedIn,
    migratedOut: w.migratedOut,
    reset: w.resets,
    maxQueue: w.maxQueue,
    finalQueue: w.l.ackBacklog,
    state: w.l.destroyed ? "freed" : w.l.state === TCP_LISTEN ? "LISTEN" : "CLOSE",
  };
}

/** An IPv6 connection's client address as report text, in brackets ("[2001:db8::1]"). */
function sourceText(c: Flow): string {
  return `[${formatAddress({ family: AF_INET6, bytes: (c.v6 as FlowV6).remote })}]`;
}
