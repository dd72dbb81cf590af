/**
 * Runs a UDP scenario (udp-scenario.ts) through the UDP stack (udp.ts): events and datagrams
 * in time order, each datagram's fate (socket and how, or the drop and why), per-socket and
 * per-flow-group totals, the kernel's counters. Deterministic: datagram times follow from the
 * rates, source ports and DCIDs from the flow index, hashes from the seed. Memory stays flat:
 * datagrams are generated as they are sent and only counted (an `onDatagram` callback sees
 * each one).
 */
import { ModelError } from "../errors.js";
import { hookPacket, quicLongHeader, quicShortHeader } from "./udp-packet.js";
import { UdpStack, type Delivery, type UdpCounters, type UdpProgram, type UdpSocket } from "./udp.js";
import type { FlowSpec, UdpScenario } from "./udp-scenario.js";

/** A program for `attach` events, with its maps reachable by name for `map` events. */
export interface UdpSimProgram {
  readonly program: UdpProgram;
  /** MAP[key] = value (a number or hex), a socket, or delete (null). Throws ModelError on refusal. */
  writeMap(map: string, key: number | bigint | string, value: number | bigint | string | UdpSocket | null): void;
}

export interface DatagramRecord {
  readonly t: number;
  readonly flow: string;
  readonly index: number;
  readonly srcPort: number;
  readonly socket: string | null;
  readonly how: string | null;
  readonly drop: string | null;
  readonly misrouted: boolean;
}

export interface UdpSimResult {
  readonly scenario: string;
  readonly seed: number;
  readonly durationMs: number;
  readonly datagrams: { sent: number; delivered: number; dropped: Record<string, number>; misrouted: number };
  readonly sockets: {
    name: string;
    received: number;
    read: number;
    rcvbufDrops: number;
    maxQueue: number;
    state: string;
  }[];
  readonly flows: {
    name: string;
    sent: number;
    delivered: number;
    misrouted: number;
    bySocket: Record<string, number>;
  }[];
  readonly counters: UdpCounters;
}

export interface UdpSimOptions {
  readonly seed?: number;
  /** Programs by the name `attach` events give. */
  readonly programs: ReadonlyMap<string, () => UdpSimProgram>;
  readonly onDatagram?: (r: DatagramRecord) => void;
}

interface FlowState {
  readonly spec: FlowSpec;
  readonly total: number;
  n: number;
  /** Payload buffers by flow index are built per datagram (QUIC) or shared (hex). */
  next: number;
  sent: number;
  delivered: number;
  misrouted: number;
  readonly bySocket: Map<string, number>;
}

const QUIC_TYPE = { initial: 0, "0rtt": 1, handshake: 2, retry: 3 } as const;

function payloadOf(f: FlowSpec, flowIndex: number): Uint8Array {
  const q = f.quic;
  if (q === null) return f.payload ?? new Uint8Array(0);
  const dcid = new Uint8Array(q.dcidLength);
  dcid.set(q.dcidPrefix);
  for (let i = q.dcidLength - 1, v = flowIndex; i >= q.dcidPrefix.length; i--, v = Math.floor(v / 256))
    dcid[i] = v & 0xff;
  return q.form === "short" ? quicShortHeader(dcid) : quicLongHeader({ dcid, type: QUIC_TYPE[q.form] }, "quic");
}

export function simulateUdp(sc: UdpScenario, o: UdpSimOptions): UdpSimResult {
  const seed = o.seed ?? sc.seed;
  const st = new UdpStack(seed);
  const byName = new Map<string, UdpSocket>();
  const specs = new Map(sc.sockets.map((s) => [s.name, s]));
  const lastRead = new Map<string, number>();
  const maxQueue = new Map<string, number>();
  const progs = new Map<string, UdpSimProgram>();
  let current: UdpSimProgram | null = null;
  const bind = (name: string, tMs: number): void => {
    const s = specs.get(name)!;
    if (byName.has(name) && !byName.get(name)!.closed)
      throw new ModelError("udp-sim.bind", `socket ${name} is already bound`);
    byName.set(
      name,
      st.bind({
        name,
        addr: s.addr,
        port: sc.port,
        v6only: s.v6only,
        ...(s.rcvbuf !== null ? { rcvbuf: s.rcvbuf } : {}),
      }),
    );
    lastRead.set(name, tMs);
  };
  for (const s of sc.sockets) if (s.bound) bind(s.name, 0);
  const open = (name: string, what: string): UdpSocket => {
    const sk = byName.get(name);
    if (sk === undefined || sk.closed) throw new ModelError("udp-sim.closed", `${what}: socket ${name} is not bound`);
    return sk;
  };
  /** The application reads what its rate allows up to time t. */
  const readUpTo = (sk: UdpSocket, tMs: number): void => {
    const rate = specs.get(sk.name)!.readRate;
    if (rate === null) return; // read as it arrives (below)
    const last = lastRead.get(sk.name)!;
    const n = Math.floor(((tMs - last) * rate) / 1000);
    if (n > 0) {
      st.recv(sk, n);
      lastRead.set(sk.name, last + (n * 1000) / rate);
    }
  };
  const flows: FlowState[] = sc.flows.map((f) => ({
    spec: f,
    total: f.count * f.datagramsPerFlow,
    n: 0,
    next: f.startMs,
    sent: 0,
    delivered: 0,
    misrouted: 0,
    bySocket: new Map(),
  }));
  const dropped: Record<string, number> = {};
  let sent = 0;
  let delivered = 0;
  let misrouted = 0;
  let ei = 0;
  // One packet buffer per payload length, rewritten for each datagram: the VM keeps its view
  // of a buffer it has seen (a new buffer per datagram costs a view per datagram).
  const buffers = new Map<number, Uint8Array>();
  /** One instance (one set of maps) per program name, as one loaded program per process. */
  const instance = (name: string, where: string): UdpSimProgram => {
    let p = progs.get(name);
    if (p === undefined) {
      const make = o.programs.get(name);
      if (make === undefined) throw new ModelError("udp-sim.program", `${where}: no program '${name}' was loaded`);
      p = make();
      progs.set(name, p);
    }
    return p;
  };
  const runEvent = (): void => {
    const e = sc.events[ei++]!;
    const where = `event ${ei - 1} (${e.do} at ${e.at} ms)`;
    switch (e.do) {
      case "close":
        st.close(open(e.socket, where));
        break;
      case "bind":
        bind(e.socket, e.at);
        break;
      case "attach": {
        const p = instance(e.program, where);
        st.attach(open(e.via, where), p.program);
        current = p;
        break;
      }
      case "detach":
        st.detach(open(e.via, where));
        break;
      case "connect":
        st.connect(open(e.socket, where), e.peer, e.port);
        break;
      case "map": {
        const p = e.program !== null ? instance(e.program, where) : current;
        if (p === null)
          throw new ModelError(
            "udp-sim.map",
            `${where}: no program is attached, so there are no maps (name one with "program")`,
          );
        const value =
          e.socket !== null ? open(e.socket, where) : e.cookieOf !== null ? open(e.cookieOf, where).cookie : e.value;
        p.writeMap(e.map, e.keyCookieOf !== null ? open(e.keyCookieOf, where).cookie : e.key, value);
        break;
      }
    }
  };
  for (;;) {
    // the earliest pending datagram; events at the same time go first
    let f: FlowState | null = null;
    for (const s of flows) if (s.n < s.total && (f === null || s.next < f.next)) f = s;
    const tNext = f === null ? Infinity : f.next;
    if (ei < sc.events.length && sc.events[ei]!.at <= tNext) {
      runEvent();
      continue;
    }
    if (f === null || tNext > sc.durationMs) break;
    const spec = f.spec;
    const flowIndex = f.n % spec.count;
    const srcPort = spec.srcPort + flowIndex;
    const payload = payloadOf(spec, flowIndex);
    const cpu = spec.cpu === "flow" ? flowIndex % sc.cpus : spec.cpu;
    const d = { src: spec.src, srcPort, dst: spec.src, dstPort: sc.port, payload, cpu };
    const pl = payload.length;
    let buf = buffers.get(pl);
    if (buf === undefined) buffers.set(pl, (buf = new Uint8Array((spec.src.family === 10 ? 48 : 28) + pl)));
    const sel = st.select(d, hookPacket(d, payload, buf));
    // Only the receiving socket's queue decides a drop, so only it catches up on reading.
    if (sel.socket !== null) readUpTo(sel.socket, tNext);
    const r: Delivery = st.enqueue(sel, payload.length, spec.src.family);
    if (r.socket !== null && r.drop === null && specs.get(r.socket.name)!.readRate === null) st.recv(r.socket);
    sent++;
    f.sent++;
    const name = r.socket?.name ?? null;
    const bad = r.drop === null && spec.owners !== null && !spec.owners.includes(name!);
    if (r.drop !== null) dropped[r.drop] = (dropped[r.drop] ?? 0) + 1;
    else {
      delivered++;
      f.delivered++;
      f.bySocket.set(name!, (f.bySocket.get(name!) ?? 0) + 1);
      if (bad) {
        misrouted++;
        f.misrouted++;
      }
      const q = r.socket!.queued;
      if (q > (maxQueue.get(name!) ?? 0)) maxQueue.set(name!, q);
    }
    o.onDatagram?.({
      t: tNext,
      flow: spec.name,
      index: flowIndex,
      srcPort,
      socket: name,
      how: r.how,
      drop: r.drop,
      misrouted: bad,
    });
    f.n++;
    f.next = spec.startMs + (f.n * 1000) / spec.rate;
  }
  while (ei < sc.events.length) runEvent();
  return {
    scenario: sc.name,
    seed,
    durationMs: sc.durationMs,
    datagrams: { sent, delivered, dropped, misrouted },
    sockets: sc.sockets.map((s) => {
      const sk = byName.get(s.name);
      return {
        name: s.name,
        received: sk === undefined ? 0 : sk.received + sk.queued,
        read: sk?.received ?? 0,
        rcvbufDrops: sk?.drops ?? 0,
        maxQueue: maxQueue.get(s.name) ?? 0,
        state: sk === undefined ? "never bound" : sk.closed ? "closed" : "bound",
      };
    }),
    flows: flows.map((f) => ({
      name: f.spec.name,
      sent: f.sent,
      delivered: f.delivered,
      misrouted: f.misrouted,
      bySocket: Object.fromEntries(f.bySocket),
    })),
    counters: { ...st.counters },
  };
}
