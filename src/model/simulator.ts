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
import { TCP_LISTEN } from "../vm/socket.js";
import { builtinProgram } from "./builtins.js";
import { EventQueue } from "./event-queue.js";
import { checkGroupLimit } from "./group-limit.js";
import { flowHash } from "./hash.js";
import { ModelMaps } from "./model-maps.js";
import { Netns } from "./netns.js";
import type { ReuseportProgram } from "./program.js";
import type { ClientSpec, MapOperand, PublishSpec, Scenario, ScenarioEvent } from "./scenario.js";
import { Fifo } from "./fifo.js";
import { modelMapContents, SimTrace, type MapContents } from "./sim-trace.js";
import { formatIp, isSocketMapType, parseIp } from "./scenario.js";
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
import { Flow, type Listener, RequestSock } from "./sockets.js";
import { TcpStack, type MigrationPoint } from "./stack.js";
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
  ) {
    super(id, localIp, localPort, remoteIp, remotePort, hash);
  }
}

/** One client group while it runs: its spec, its index (for sinks) and the next arrival. */
interface ClientRun {
  readonly c: ClientSpec;
  readonly index: number;
  readonly dst: number;
  readonly src: number;
  i: number;
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
  const seed = (opts.seed ?? sc.seed) >>> 0;
  const ns = new Netns(sc.sysctls);
  const st = new TcpStack(ns);
  const maps = new ModelMaps(sc.maps, st);
  const q = new EventQueue<unknown>();
  const keep = opts.keepConnections === true;
  const record = keep || opts.onConnection !== undefined;
  const records: ConnRecord[] = [];
  const live = new Set<Conn>();
  /** Clients waiting to resend a dropped SYN: rows, not Conn objects (and not in `live`). */
  const retries = new SynRetries();
  /** Flood clients answered with a syncookie that never ACK: rows until the end. */
  const inert = new InertClients();
  const row: ParkedRow = { id: 0, group: 0, index: 0, seq: 0, tries: 0 };
  const sink = opts.sink;
  const runs: ClientRun[] = sc.clients.map((c, index) => ({
    c,
    index,
    dst: parseIp(c.dst) ?? 0,
    src: parseIp(c.src) ?? 0,
    i: 0,
  }));
  const workers: Worker[] = [];
  const byName = new Map<string, Listener>();
  const totals = { total: 0, accepted: 0, reset: 0, timedOut: 0, open: 0 };
  const causes: Record<string, number> = {};
  const migrations: Record<MigrationPoint, number> = { close: 0, timer: 0, ack: 0 };
  const latency = newHistogram();
  const synAckCounts: number[] = [];
  const trace = new SimTrace(st);
  const durationUs = Math.round(sc.durationMs * 1000);
  const tMs: number[] = [];
  const queues: Record<string, number[]> = {};

  for (const spec of sc.listeners) {
    const sk = st.socket(spec.name);
    st.bind(sk, parseIp(spec.bind) ?? 0, sc.port);
    if (spec.deferAcceptSec > 0) st.setDeferAccept(sk, spec.deferAcceptSec);
    if (spec.synRetries > 0) st.setSynRetries(sk, spec.synRetries);
    if (spec.fastOpenQlen > 0) st.setFastOpen(sk, spec.fastOpenQlen);
    byName.set(spec.name, sk);
    const samples: number[] = [];
    workers.push({
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
    queues[spec.name] = samples;
  }
  const worker = (l: Listener): Worker => workers[l.index] as Worker;
  const listenerOf = (name: string): Listener => byName.get(name) as Listener;

  const finish = (c: Conn, fate: Fate, by: Listener | null, cause: ConnRecord["cause"]): void => {
    if (c.done) return;
    c.done = true;
    live.delete(c);
    if (fate === "accepted") {
      totals.accepted++;
      addToHistogram(latency, (st.now - c.synAt) / 1000);
    } else if (fate === "reset") totals.reset++;
    else if (fate === "timed-out") totals.timedOut++;
    else totals.open++;
    if (fate === "reset" && c.owner !== null) worker(c.owner).resets++;
    synAckCounts[c.synAcks] = (synAckCounts[c.synAcks] ?? 0) + 1;
    const key = cause === null ? fate : `${fate}:${cause}`;
    causes[key] = (causes[key] ?? 0) + 1;
    sink?.connection(
      c.id,
      c.client.index,
      c.remoteIp,
      c.remotePort,
      c.hash,
      c.synAt,
      c.listener?.index ?? -1,
      c.migrations,
      fate,
      by?.index ?? -1,
      cause,
      st.now,
      c.synAcks,
    );
    if (record) {
      const rec: ConnRecord = {
        id: c.id,
        client: c.client.c.name,
        src: `${formatIp(c.remoteIp)}:${c.remotePort}`,
        hash: c.hash,
        synAtMs: usToMs(c.synAt),
        listener: c.listener?.name ?? null,
        migrations: c.migrations ?? [],
        fate,
        by: by?.name ?? null,
        cause,
        endAtMs: usToMs(st.now),
        synAcks: c.synAcks,
      };
      if (keep) records.push(rec);
      opts.onConnection?.(rec);
    }
  };

  /** The longest "active" lifetime published (µs), 0 if none: accept times are kept that long. */
  const activeLifetimeUs = Math.max(
    0,
    ...sc.publish.filter((p) => p.value === "active").map((p) => Math.round(p.lifetimeMs * 1000)),
  );

  /** Control plane: one write per listening listener with a slot. */
  const publish = (p: PublishSpec): void => {
    const lifetimeUs = Math.round(p.lifetimeMs * 1000);
    for (const w of workers) {
      const l = w.l;
      if (l.state !== TCP_LISTEN) continue;
      const slot = p.slotsFrom === null ? l.index : maps.slotOf(l, p.slotsFrom);
      if (slot === undefined) continue;
      let value: number;
      if (p.value === "queue") value = l.ackBacklog;
      else if (p.value === "accepted") value = l.accepted;
      else {
        // Connections accepted within the lifetime are still open; older ones have closed.
        const times = w.acceptTimes;
        while (times.length > 0 && (times.at(0) as number) <= st.now - activeLifetimeUs) times.shift();
        let lo = 0;
        let hi = times.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if ((times.at(mid) as number) <= st.now - lifetimeUs) lo = mid + 1;
          else hi = mid;
        }
        value = times.length - lo;
      }
      maps.update(p.map, slot, value);
    }
  };

  const scheduleAccept = (w: Worker): void => {
    if (w.scheduled || w.interval === Infinity || w.l.ackBacklog === 0) return;
    w.scheduled = true;
    q.push(Math.max(st.now, Math.ceil(w.last + w.interval)), K_ACCEPT, w);
  };

  st.observer = {
    migrated(flow, point, from, to) {
      const c = flow as Conn;
      migrations[point]++;
      c.owner = to;
      worker(from).migratedOut++;
      worker(to).migratedIn++;
      if (record || sink !== undefined)
        (c.migrations ??= []).push({ atMs: usToMs(st.now), point, from: from.name, to: to.name });
    },
    reset(flow, cause) {
      finish(flow as Conn, "reset", null, cause);
    },
    requestDropped(flow, cause) {
      const c = flow as Conn;
      if (c.ackSent)
        finish(c, "reset", null, cause); // the client thinks it is connected
      else if (c.ackAt < 0) finish(c, "timed-out", null, cause === "expired" ? "no-ack" : cause);
      // otherwise its ACK arrives later and draws an RST (no-request)
    },
    armTimer(req, at) {
      const c = req.flow as Conn;
      if (!c.ackSent && c.ackAt >= 0 && c.ackAt < at) return; // the ACK comes first; re-armed after it
      c.timerQueued = at;
      q.push(at, K_TIMER, req);
    },
    queued(l) {
      const w = worker(l);
      if (l.ackBacklog > w.maxQueue) w.maxQueue = l.ackBacklog;
      scheduleAccept(w);
    },
  };

  // Programs are made once per policy reference, before the first event: a policy's maps then
  // exist from the start (a map write before the attach reaches them), and every attach of the
  // same reference shares one program and its maps, as one loaded program attached twice does.
  const made = new Map<string, ReuseportProgram>();
  const resolve = (ref: string): ReuseportProgram => {
    const have = made.get(ref);
    if (have !== undefined) return have;
    let prog: ReuseportProgram;
    if (ref.startsWith("builtin:")) prog = builtinProgram(ref.slice(8), maps);
    else {
      const p = opts.programs?.get(ref);
      if (p === undefined)
        throw new ModelError(
          "model.policy-missing",
          `policy ${JSON.stringify(ref)} was not loaded`,
          undefined,
          "pass it with --policy or use a builtin: policy",
        );
      prog = typeof p === "function" ? p(maps) : p;
    }
    made.set(ref, prog);
    return prog;
  };
  sc.events.forEach((e, i) => {
    if (e.do !== "attach" || made.has(e.policy)) return;
    try {
      resolve(e.policy);
    } catch (err) {
      if (err instanceof ModelError)
        throw new ModelError(err.code, `/events/${i} (attach at ${e.at} ms): ${err.message}`, undefined, err.hint);
      throw err;
    }
  });
  if (opts.checkMaps !== false) checkScenarioMaps(sc, made);

  /** A scenario key or value as the map takes it: a listener is itself in a socket map, else its cookie. */
  const operand = (x: MapOperand, socketMap: boolean): Listener | number => {
    if (typeof x === "number") return x;
    const l = listenerOf(x.listener);
    return socketMap ? l : Number(l.cookie);
  };

  const apply = (e: ScenarioEvent): void => {
    switch (e.do) {
      case "listen": {
        const l = listenerOf(e.listener);
        const g = l.group;
        st.listen(l, e.backlog ?? (sc.listeners[l.index]?.backlog as number));
        trace.snapshot(`listen ${l.name}`, [g, l.group]);
        scheduleAccept(worker(l));
        break;
      }
      case "close":
      case "shutdown": {
        const l = listenerOf(e.listener);
        const g = l.group;
        if (e.do === "close") st.close(l);
        else st.shutdown(l, e.how);
        trace.snapshot(`${e.do} ${l.name}`, [g, l.group]);
        break;
      }
      case "attach":
        st.attachProgram(listenerOf(e.via), trace.traced(resolve(e.policy), e.policy));
        break;
      case "detach":
        st.detachProgram(listenerOf(e.via));
        break;
      case "sysctl":
        ns.setSysctl(e.name, e.value);
        break;
      case "map": {
        const socketMap = isSocketMapType(maps.get(e.map)?.decl.type ?? "array");
        maps.update(e.map, operand(e.key, false) as number, operand(e.value, socketMap));
        break;
      }
      case "map-delete":
        maps.delete(e.map, operand(e.key, false) as number);
        break;
      case "accept-rate": {
        const w = worker(listenerOf(e.listener));
        w.interval = intervalOf(e.rate);
        scheduleAccept(w);
        break;
      }
    }
  };

  /** When client `i` of group `r` sends its first SYN (as K_ARRIVAL schedules it). */
  const arrivalAt = (r: ClientRun, i: number): number =>
    Math.round(r.c.startMs * 1000 + (r.c.rate > 0 ? (i * SEC) / r.c.rate : 0));

  /** Connection `id`: client `i` of group `r`, its 4-tuple and hash derived from `i`. */
  const connOf = (r: ClientRun, i: number, id: number): Conn => {
    const off = r.c.srcPort - 1024 + i;
    const sport = 1024 + (off % 64512);
    const sip = (r.src + Math.floor(off / 64512)) >>> 0;
    const hash = r.c.hashes !== null ? (r.c.hashes[i] as number) : flowHash(seed, r.dst, sc.port, sip, sport);
    return new Conn(id, r.dst, sc.port, sip, sport, hash, r, i);
  };

  /** The parked client in `row` back as a connection. */
  const resume = (): Conn => {
    const r = runs[row.group] as ClientRun;
    const c = connOf(r, row.index, row.id);
    c.synAt = arrivalAt(r, row.index);
    c.synTries = row.tries;
    return c;
  };

  /** Queue the heap event of FIFO `tries`'s head: due 2^tries - 1 s after its first SYN. */
  const scheduleRetryHead = (tries: number): void => {
    if (!retries.front(tries, row)) return;
    q.pushSeq(arrivalAt(runs[row.group] as ClientRun, row.index) + SEC * (2 ** tries - 1), row.seq, K_SYN_RETRY, tries);
  };

  const sendSyn = (c: Conn): void => {
    // Known before the SYN is processed, so armTimer can skip timers the ACK will pre-empt.
    const spec = c.client.c;
    c.ackAt = spec.ackDelayMs === null ? -1 : st.now + Math.round(spec.ackDelayMs * 1000);
    const out = receiveSyn(st, c, { fastOpen: spec.fastOpen, dataLen: spec.dataBytes });
    switch (out.kind) {
      case "rst":
        finish(c, "reset", null, out.cause);
        return;
      case "dropped":
        c.synTries++;
        if (c.synTries > ns.sysctl.tcp_syn_retries) finish(c, "timed-out", null, "syn-retries");
        else {
          // Nothing on the server refers to it: park it as a row until the retry.
          // Due at now + 2^(tries-1) s, after every client parked earlier with the same count.
          live.delete(c);
          const seq = q.reserveSeq();
          if (retries.park(c.synTries, c.id, c.client.index, c.index, seq))
            q.pushSeq(st.now + SEC * 2 ** (c.synTries - 1), seq, K_SYN_RETRY, c.synTries);
        }
        return;
      default:
        c.listener = out.listener;
        c.owner = out.listener;
        c.synAcks++;
        worker(out.listener).syns++;
        if (c.ackAt >= 0) q.push(c.ackAt, K_ACK, c);
        else if (out.kind === "cookie") {
          // A flood client with a cookie SYN-ACK: no server state, nothing more will happen.
          live.delete(c);
          inert.add(c.id, c.client.index, c.index, out.listener.index, c.synTries);
        }
    }
  };

  /** Does the client send its data after a bare ACK (and has not yet)? */
  const dataPending = (c: Conn): boolean =>
    !c.dataSent && (c.client.c.dataAtMs !== null || c.client.c.dataAfterMs !== null);

  const sendAck = (c: Conn): void => {
    if (!c.ackSent) {
      c.ackSent = true;
      const spec = c.client.c;
      if (dataPending(c))
        q.push(
          spec.dataAtMs !== null
            ? Math.max(st.now, Math.round(spec.dataAtMs * 1000))
            : st.now + Math.round((spec.dataAfterMs as number) * 1000),
          K_DATA,
          c,
        );
    }
    deliver(c, dataPending(c) ? 0 : c.client.c.dataBytes);
  };

  /** A segment from the client after its SYN-ACK: the (bare or data-carrying) ACK, or its data. */
  const deliver = (c: Conn, payload: number): void => {
    const out = receiveAck(st, c, { dataLen: payload });
    if (out.kind === "kept") {
      const r = c.ehash as RequestSock;
      if (c.timerQueued !== r.timerAt) {
        c.timerQueued = r.timerAt;
        q.push(r.timerAt, K_TIMER, r);
      }
    } else if (out.kind === "dropped" && c.cookie) {
      // A cookie ACK dropped on overflow: a bare ACK is not retransmitted (data still to come
      // validates the cookie again); a segment with data is, with backoff.
      if (payload === 0 && dataPending(c)) return;
      if (payload > 0 && c.ackRetries < ns.sysctl.tcp_syn_retries) q.push(st.now + SEC * 2 ** c.ackRetries++, K_ACK, c);
      else finish(c, "timed-out", null, "cookie-ack-dropped");
    }
  };

  // Seed the queue: listenAt, file events, client generators, samples.
  sc.listeners.forEach((l) => {
    if (l.listenAt !== null)
      q.push(Math.round(l.listenAt * 1000), K_EVENT, [{ at: l.listenAt, do: "listen", listener: l.name }, -1]);
  });
  sc.events.forEach((e, i) => q.push(Math.round(e.at * 1000), K_EVENT, [e, i]));
  for (const r of runs) if (r.c.count > 0) q.push(Math.round(r.c.startMs * 1000), K_ARRIVAL, r);
  sink?.names(
    runs.map((r) => r.c.name),
    workers.map((w) => w.l.name),
  );
  const sampleUs = Math.max(1, Math.round(sc.sampleMs * 1000));
  q.push(0, K_SAMPLE, null);
  sc.publish.forEach((p, i) => q.push(Math.round(p.startMs * 1000), K_PUBLISH, i));

  let nextId = 0;
  for (let ev = q.pop(); ev !== undefined; ev = q.pop()) {
    const [at, kind, obj] = ev;
    if (at > durationUs) break;
    st.now = at;
    switch (kind) {
      case K_EVENT: {
        const [e, i] = obj as [ScenarioEvent, number];
        try {
          apply(e);
        } catch (err) {
          if (err instanceof ModelError) {
            const where = i >= 0 ? `/events/${i}` : `listener ${("listener" in e && e.listener) || ""} listenAt`;
            throw new ModelError(err.code, `${where} (${e.do} at ${e.at} ms): ${err.message}`, undefined, err.hint);
          }
          throw err;
        }
        break;
      }
      case K_ARRIVAL: {
        const a = obj as ClientRun;
        const c = connOf(a, a.i, ++nextId);
        c.synAt = at;
        trace.connection = c.id;
        totals.total++;
        live.add(c);
        sendSyn(c);
        a.i++;
        if (a.i < a.c.count)
          q.push(a.c.rate > 0 ? Math.round(a.c.startMs * 1000 + (a.i * SEC) / a.c.rate) : at, K_ARRIVAL, a);
        break;
      }
      case K_SYN: {
        const c = obj as Conn;
        trace.connection = c.id;
        if (!c.done) sendSyn(c);
        break;
      }
      case K_SYN_RETRY: {
        const tries = obj as number;
        retries.front(tries, row);
        retries.shift(tries);
        const c = resume();
        trace.connection = c.id;
        scheduleRetryHead(tries); // the next in line (its event pops after this one)
        live.add(c);
        sendSyn(c);
        break;
      }
      case K_ACK: {
        const c = obj as Conn;
        trace.connection = c.id;
        if (!c.done) sendAck(c);
        break;
      }
      case K_DATA: {
        const c = obj as Conn;
        if (c.done || c.dataSent) break;
        c.dataSent = true;
        trace.connection = c.id;
        deliver(c, c.client.c.dataBytes);
        break;
      }
      case K_TIMER: {
        const r = obj as RequestSock;
        const c = r.flow as Conn;
        if (c.done || r.dead || c.ehash !== r || r.timerAt !== at) break;
        c.timerQueued = -1;
        trace.connection = c.id;
        const resent = requestTimer(st, r);
        if (resent) c.synAcks++;
        if (resent && c.ackSent && !c.done) q.push(at, K_ACK, c);
        break;
      }
      case K_ACCEPT: {
        const w = obj as Worker;
        w.scheduled = false;
        if (w.l.state !== TCP_LISTEN) break;
        const child = st.accept(w.l);
        if (child === null) break;
        w.last = at;
        if (activeLifetimeUs > 0) w.acceptTimes.push(at);
        finish(child.flow as Conn, "accepted", w.l, null);
        scheduleAccept(w);
        break;
      }
      case K_PUBLISH: {
        const p = sc.publish[obj as number] as PublishSpec;
        try {
          publish(p);
        } catch (err) {
          if (err instanceof ModelError)
            throw new ModelError(
              err.code,
              `/publish/${obj as number} (at ${usToMs(at)} ms): ${err.message}`,
              undefined,
              err.hint,
            );
          throw err;
        }
        const next = at + Math.max(1, Math.round(p.everyMs * 1000));
        if (next <= durationUs) q.push(next, K_PUBLISH, obj);
        break;
      }
      case K_SAMPLE: {
        tMs.push(usToMs(at));
        // Through the worker, not `queues[name]`: with thousands of listeners that object is a
        // dictionary, and a lookup per listener per sample dominated large runs.
        for (const w of workers) w.samples.push(w.l.ackBacklog);
        if (at + sampleUs <= durationUs) q.push(at + sampleUs, K_SAMPLE, null);
        break;
      }
    }
  }
  st.now = Math.min(st.now, durationUs);
  // Still in flight, in arrival (id) order: live connections and parked clients merged.
  const open = [...live].sort((a, b) => a.id - b.id);
  let i = 0;
  if (retries.size + inert.size > 0) {
    // Parked clients by id: pos[id] their row, tag[id] their SYN count (retries) or INERT.
    const pos = new Int32Array(nextId + 1);
    const tag = new Uint8Array(nextId + 1);
    retries.indexInto(pos, tag);
    inert.indexInto(pos, tag, INERT);
    for (let id = 1; id <= nextId; id++) {
      const t = tag[id] as number;
      if (t === 0) continue;
      while (i < open.length && (open[i] as Conn).id < id) finish(open[i++] as Conn, "open", null, "in-flight");
      let c: Conn;
      if (t === INERT) {
        const l = (workers[inert.read(pos[id] as number, row)] as Worker).l;
        c = resume();
        c.listener = c.owner = l;
        c.synAcks = 1;
      } else {
        retries.read(t, pos[id] as number, row);
        c = resume();
      }
      finish(c, "open", null, "in-flight");
    }
  }
  while (i < open.length) finish(open[i++] as Conn, "open", null, "in-flight");

  const listeners: ListenerResult[] = workers.map((w) => ({
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
  }));
  const sortedCauses: Record<string, number> = {};
  for (const k of Object.keys(causes).sort()) sortedCauses[k] = causes[k] as number;
  return {
    scenario: sc.name,
    seed,
    durationMs: sc.durationMs,
    connections: totals,
    causes: sortedCauses,
    migrations,
    listeners,
    counters: { ...ns.counters },
    series: { tMs, queues },
    acceptLatency: latency,
    synAcks: Object.fromEntries(synAckCounts.flatMap((n, k) => (n === undefined ? [] : [[String(k), n]]))),
    trace: trace.result(),
    maps: [
      ...modelMapContents(maps),
      ...[...made.entries()].flatMap(([ref, p]) =>
        "dumpMaps" in p && typeof p.dumpMaps === "function"
          ? (p as { dumpMaps(owner: string): MapContents[] }).dumpMaps(ref)
          : [],
      ),
    ],
    ...(keep ? { connectionRecords: records } : {}),
  };
}
