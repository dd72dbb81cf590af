/**
 * `ReuseportTestGroup`: a group of sockets (UDP or TCP, IPv4 or IPv6) with a program attached,
 * maps to set and read, and packets to send — the kernel's reuseport decision for each, without
 * root. UDP groups run on the socket model's UDP stack (src/model/udp.ts: lookup, socks[],
 * receive queues, counters); TCP groups compute the hook's decisions only (tcp-group.ts).
 */
import { ModelError } from "../errors.js";
import { engineFor, type VerifiedProgram } from "../cli/verified-program.js";
import { ClassicProgram } from "../vm/cbpf/program.js";
import { VirtualClock } from "../vm/helpers/env.js";
import { u32Key } from "../vm/maps/control.js";
import { MapTable } from "../vm/maps/table.js";
import type { BpfMap } from "../vm/maps/types.js";
import { AddressSpace } from "../vm/memory.js";
import { SkReuseportRuntime } from "../vm/reuseport-runtime.js";
import { TCP_ESTABLISHED, TCP_NEW_SYN_RECV, type VmSocket } from "../vm/socket.js";
import { flowHash } from "../model/hash.js";
import { UdpStack, UdpSocket, type Delivery, type UdpCounters, type UdpProgram } from "../model/udp.js";
import { classicUdpProgram, ebpfUdpProgram } from "../model/udp-programs.js";
import {
  hookPacket,
  isAny,
  parseAddress,
  parseHex,
  quicLongHeader,
  quicShortHeader,
  type Address,
  type HookPacket,
} from "../model/udp-packet.js";
import { loadSource, type ProgramSource } from "./load.js";
import { MigratingSocket, synPacket, TcpGroup, TcpListener } from "./tcp-group.js";

export interface SocketOptions {
  readonly name: string;
  /** Bind address; default the group's. */
  readonly address?: string;
  readonly v6only?: boolean;
  /** UDP sk_rcvbuf in bytes. */
  readonly rcvbuf?: number;
}

export interface GroupOptions {
  /** Default "udp". */
  readonly protocol?: "udp" | "tcp";
  /** A count (named s0, s1, ...) or the sockets in bind order. */
  readonly sockets: number | readonly (string | SocketOptions)[];
  /** Bind address of every socket; default 127.0.0.1 ("::1", "::", "0.0.0.0" ...). */
  readonly address?: string;
  /** Default 4433. */
  readonly port?: number;
  readonly v6only?: boolean;
  /** Keys the model's flow hash (default 0). */
  readonly seed?: number;
  /** "interp" (default) or "jit". */
  readonly engine?: string;
}

export interface QuicHeader {
  /** Destination connection ID, hex. */
  readonly dcid: string;
  /** Default "short" (1-RTT); a long header is "initial", "0rtt", "handshake" or "retry". */
  readonly form?: "short" | "initial" | "0rtt" | "handshake" | "retry";
  readonly scid?: string;
  /** Bytes after the header fields, hex (default 20 zero bytes). */
  readonly rest?: string;
}

export interface SendOptions {
  /** Payload bytes (or hex); default empty. */
  readonly payload?: Uint8Array | string;
  /** Build the payload as a QUIC header instead. */
  readonly quic?: QuicHeader;
  /** Source address; default the group's loopback of the destination's family. */
  readonly from?: string;
  readonly srcPort?: number;
  /** Destination address; default 127.0.0.1 or ::1, the family of `from`. */
  readonly to?: string;
  readonly cpu?: number;
  /** The flow hash (ctx `hash`); default the model's keyed hash of the 4-tuple. */
  readonly hash?: number;
}

export interface MigrateOptions {
  /** The listener that closes (ctx `sk`); it leaves socks[] first, as in the kernel. */
  readonly from: string;
  /** ctx `migrating_sk`'s state: a request (NEW_SYN_RECV, default) or an established child. */
  readonly state?: "request" | "established";
  readonly hash?: number;
}

export interface Verdict {
  /** The socket chosen, or null (dropped or no socket). */
  readonly socket: string | null;
  /** Its index in socks[] at the decision. */
  readonly slot: number;
  /** "program" (selected by the program), "program-index" (classic), "hash" (kernel pick), "connected", "single". */
  readonly how: string | null;
  /** "program-drop", "no-socket", "rcvbuf", "not-migrated" or null. */
  readonly drop: string | null;
  readonly hash: number;
  /** The program's return value (eBPF r0 or classic index), when it ran. */
  readonly ret: number | null;
}

export type MapKey = number | bigint | string | Uint8Array;
export type MapValue = number | bigint | string | Uint8Array | { readonly socket: string };

interface Attached {
  readonly name: string;
  readonly maps: MapTable | null;
  readonly runtime: SkReuseportRuntime | null;
  readonly classic: ClassicProgram | null;
  readonly attachType: number;
}

export class ReuseportTestGroup {
  readonly protocol: "udp" | "tcp";
  readonly udp: UdpStack;
  private readonly tcp = new TcpGroup(1);
  private readonly byName = new Map<string, UdpSocket | TcpListener>();
  private prog: Attached | null = null;
  private readonly clock = new VirtualClock(0);
  private readonly engine: string;
  readonly port: number;
  private readonly seed: number;
  private nextCookie = 1n;

  constructor(o: GroupOptions) {
    this.protocol = o.protocol ?? "udp";
    this.port = o.port ?? 4433;
    this.seed = o.seed ?? 0;
    this.engine = o.engine ?? "interp";
    this.udp = new UdpStack(this.seed);
    const specs = typeof o.sockets === "number" ? Array.from({ length: o.sockets }, (_, i) => `s${i}`) : o.sockets;
    for (const s of specs) {
      const spec = typeof s === "string" ? { name: s } : s;
      this.bind({
        ...spec,
        address: spec.address ?? o.address ?? "127.0.0.1",
        v6only: spec.v6only ?? o.v6only ?? false,
      });
    }
  }

  /** Bind one more socket (it joins the group when its address matches). */
  bind(s: SocketOptions): void {
    if (this.byName.has(s.name)) throw new ModelError("testing.socket", `a socket named '${s.name}' already exists`);
    const addr = parseAddress(s.address ?? "127.0.0.1", `socket ${s.name}`);
    if (this.protocol === "udp") {
      this.byName.set(
        s.name,
        this.udp.bind({
          name: s.name,
          addr,
          port: this.port,
          v6only: s.v6only ?? false,
          ...(s.rcvbuf !== undefined ? { rcvbuf: s.rcvbuf } : {}),
        }),
      );
    } else {
      const l = new TcpListener(this.nextCookie++, s.name, addr, this.port, this.tcp.id, isAny(addr));
      this.tcp.socks.push(l);
      this.byName.set(s.name, l);
    }
  }

  /** Load a program and attach it to the group (through socket `via`, default the first). */
  async load(src: ProgramSource, opts: { readonly via?: string } = {}): Promise<void> {
    const loaded = await loadSource(src);
    if (loaded.kind === "cbpf") {
      const classic = new ClassicProgram(loaded.filter, {
        engine: this.engine === "jit" ? "jit" : "interp",
        seed: this.seed,
        file: loaded.name,
      });
      this.attach(
        { name: loaded.name, maps: null, runtime: null, classic, attachType: 0 },
        classicUdpProgram(loaded.name, classic),
        opts.via,
      );
      return;
    }
    const p: VerifiedProgram = loaded.program;
    const maps = new MapTable(new AddressSpace());
    for (const spec of p.maps) maps.create(spec);
    for (const g of p.globalData ?? []) {
      const m = maps.byFd(g.fd);
      if (m !== undefined && m.kind === "data") m.update(u32Key(0), g.data, 0);
    }
    const runtime = new SkReuseportRuntime({
      insns: p.insns,
      maps,
      engine: engineFor(p, this.engine).factory,
      seed: this.seed,
      clock: this.clock,
    });
    const name = p.programName ?? p.file;
    this.attach(
      { name, maps, runtime, classic: null, attachType: p.attachType },
      ebpfUdpProgram(name, p.attachType, runtime, maps),
      opts.via,
    );
  }

  private attach(a: Attached, udpProg: UdpProgram, via: string | undefined): void {
    const sk = via === undefined ? [...this.byName.values()].find((s) => !s.closed) : this.socket(via);
    if (sk === undefined) throw new ModelError("testing.attach", "no open socket to attach the program through");
    if (sk instanceof UdpSocket) this.udp.attach(sk, udpProg);
    this.prog = a;
  }

  /** A socket by name (a located error names the sockets that exist). */
  socket(name: string): UdpSocket | TcpListener {
    const s = this.byName.get(name);
    if (s === undefined)
      throw new ModelError(
        "testing.socket",
        `no socket named '${name}' in the group (sockets: ${[...this.byName.keys()].join(", ")})`,
      );
    return s;
  }

  /** The names in socks[] order. */
  get slots(): string[] {
    if (this.protocol === "tcp") return this.tcp.socks.map((s) => s.name);
    const any = [...this.byName.values()].find((s): s is UdpSocket => s instanceof UdpSocket && s.group !== null);
    return any?.group?.socks.map((s) => s.name) ?? [];
  }

  get counters(): Readonly<UdpCounters> {
    return this.udp.counters;
  }

  /** Close a socket: it leaves socks[] (the last member takes its slot) and every socket map. */
  close(name: string): void {
    const s = this.socket(name);
    if (s instanceof UdpSocket) this.udp.close(s);
    else {
      this.tcp.remove(s);
      this.prog?.maps?.closeSocket(s);
    }
  }

  /** connect(2) a UDP socket: it gets its peer's datagrams and leaves the hash pick. */
  connect(name: string, address: string, port: number): void {
    const s = this.socket(name);
    if (!(s instanceof UdpSocket)) throw new ModelError("testing.connect", `socket ${name} is a TCP listener`);
    this.udp.connect(s, parseAddress(address, `connect ${name}`), port);
  }

  /** The application reads a UDP socket's queue; returns how many datagrams it read. */
  recv(name: string, max = Infinity): number {
    const s = this.socket(name);
    return s instanceof UdpSocket ? this.udp.recv(s, max) : 0;
  }

  private map(name: string): BpfMap {
    const maps = this.prog?.maps;
    if (maps === null || maps === undefined)
      throw new ModelError("testing.map", `no eBPF program is loaded, so there is no map '${name}'`);
    const m = maps.list.find((x) => x.name === name);
    if (m === undefined)
      throw new ModelError(
        "testing.map",
        `the program has no map '${name}' (maps: ${maps.list.map((x) => x.name).join(", ")})`,
      );
    return m;
  }

  /** MAP[key] = value; a socket map's value names a socket ({ socket: name }). Throws on refusal (errno). */
  setMap(name: string, key: MapKey, value: MapValue): void {
    const m = this.map(name);
    const k = toBytes(key, m.keySize, `map ${name} key`);
    let rc: number;
    if (m.kind === "socket") {
      if (typeof value !== "object" || !("socket" in value))
        throw new ModelError("testing.map", `map ${name} holds sockets: give { socket: NAME }`);
      rc = m.updateSocket(k, this.socket(value.socket), 0);
    } else {
      if (typeof value === "object" && "socket" in value)
        throw new ModelError("testing.map", `map ${name} holds data, not sockets`);
      rc = m.update(k, toBytes(value, m.valueSize, `map ${name} value`), 0);
    }
    if (rc < 0) throw new ModelError("testing.map", `map ${name}: the update was refused (errno ${-rc})`);
  }

  deleteMap(name: string, key: MapKey): boolean {
    const m = this.map(name);
    return m.delete(toBytes(key, m.keySize, `map ${name} key`)) === 0;
  }

  /** MAP[key]: the value bytes, the socket's name for a socket map, or null when absent. */
  lookupMap(name: string, key: MapKey): Uint8Array | string | null {
    const m = this.map(name);
    const k = toBytes(key, m.keySize, `map ${name} key`);
    if (m.kind === "socket") {
      const sk = m.lookupSocket(k, 0);
      return sk === null ? null : this.nameOf(sk);
    }
    const v = m.lookup(k);
    return typeof v === "number" ? null : v.slice();
  }

  /** MAP[key] as a little-endian unsigned number (data maps), or null. */
  lookupNumber(name: string, key: MapKey): bigint | null {
    const v = this.lookupMap(name, key);
    if (v === null || typeof v === "string") return null;
    let n = 0n;
    for (let i = v.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(v[i]!);
    return n;
  }

  private nameOf(sk: VmSocket): string {
    for (const [n, s] of this.byName) if (s === sk) return n;
    return `cookie ${sk.cookie}`;
  }

  private payloadOf(o: SendOptions): Uint8Array {
    if (o.quic !== undefined) {
      const q = o.quic;
      const dcid = parseHex(q.dcid, "quic.dcid");
      const rest = q.rest !== undefined ? parseHex(q.rest, "quic.rest") : undefined;
      const form = q.form ?? "short";
      if (form === "short") return quicShortHeader(dcid, rest);
      const type = ({ initial: 0, "0rtt": 1, handshake: 2, retry: 3 } as const)[form];
      return quicLongHeader(
        {
          dcid,
          type,
          ...(q.scid !== undefined ? { scid: parseHex(q.scid, "quic.scid") } : {}),
          ...(rest !== undefined ? { rest } : {}),
        },
        "quic",
      );
    }
    if (o.payload === undefined) return new Uint8Array(0);
    return typeof o.payload === "string" ? parseHex(o.payload, "payload") : o.payload;
  }

  private endpoints(o: SendOptions): { src: Address; dst: Address } {
    const first = [...this.byName.values()][0];
    const v6 = first !== undefined && first.family === 10;
    const from = o.from !== undefined ? parseAddress(o.from, "from") : parseAddress(v6 ? "::1" : "127.0.0.1", "from");
    const to =
      o.to !== undefined ? parseAddress(o.to, "to") : parseAddress(from.family === 10 ? "::1" : "127.0.0.1", "to");
    return { src: from, dst: to };
  }

  /** Send one packet (a datagram, or a SYN to a TCP group) and return where it went. */
  send(o: SendOptions = {}): Verdict {
    this.clock.ns += 1000;
    const { src, dst } = this.endpoints(o);
    const srcPort = o.srcPort ?? 40000;
    const payload = this.payloadOf(o);
    if (this.protocol === "udp") {
      const d = {
        src,
        srcPort,
        dst,
        dstPort: this.port,
        payload,
        ...(o.cpu !== undefined ? { cpu: o.cpu } : {}),
        ...(o.hash !== undefined ? { hash: o.hash } : {}),
      };
      return this.fromDelivery(this.udp.deliver(d, hookPacket(d, payload)));
    }
    const hash = o.hash ?? flowHash(this.seed, 0, this.port, 0, srcPort);
    const pkt = synPacket({ src, srcPort, dst, dstPort: this.port }, payload);
    return this.tcpDecide(this.tcp.socks[0] ?? null, null, pkt, hash, o.cpu ?? 0);
  }

  /** TCP: a closing listener's request or child is migrated (R12 with the program, else the hash pick). */
  migrate(o: MigrateOptions): Verdict {
    if (this.protocol !== "tcp")
      throw new ModelError("testing.migrate", "the kernel migrates only TCP requests and children; this group is UDP");
    const from = this.socket(o.from) as TcpListener;
    this.close(o.from);
    const hash = o.hash ?? flowHash(this.seed, 1, this.port, 2, 3);
    const state = o.state === "established" ? TCP_ESTABLISHED : TCP_NEW_SYN_RECV;
    const mig = new MigratingSocket(this.nextCookie++, from.family, state, from.srcIp4, from.port, 0x7f000001, 40000);
    if (this.prog?.runtime === undefined || this.prog.runtime === null || this.prog.attachType !== 40) {
      // No attach-type-40 program: the hash pick when net.ipv4.tcp_migrate_req is 1 (assumed here).
      return this.verdictOf(this.tcp.pickByHash(hash), "hash", null, hash, null);
    }
    return this.tcpDecide(from, mig, null, hash, 0);
  }

  private tcpDecide(
    sk: TcpListener | null,
    mig: VmSocket | null,
    pkt: HookPacket | null,
    hash: number,
    cpu: number,
  ): Verdict {
    const g = this.tcp;
    const p = this.prog;
    if (sk === null) return this.verdictOf(null, null, "no-socket", hash, null);
    if (p === null) return this.verdictOf(g.pickByHash(hash), "hash", null, hash, null);
    if (p.classic !== null) {
      if (pkt === null) return this.verdictOf(g.pickByHash(hash), "hash", null, hash, null);
      const bytes = new Uint8Array(14 + pkt.bytes.length);
      bytes.set(pkt.bytes, 14);
      bytes[12] = pkt.ethProtocol >> 8;
      bytes[13] = pkt.ethProtocol & 0xff;
      const idx = p.classic.run({
        bytes,
        macOffset: 0,
        networkOffset: 14,
        dataOffset: 14 + pkt.l4Offset + 40,
        protocol: pkt.ethProtocol,
        hash,
        cpu,
      });
      return idx < g.socks.length
        ? this.verdictOf(g.socks[idx]!, "program-index", null, hash, idx)
        : this.verdictOf(g.pickByHash(hash), "hash", null, hash, idx);
    }
    const r = p.runtime!.select({
      sk,
      migratingSk: mig,
      hash,
      ...(pkt !== null
        ? {
            packet: pkt.bytes,
            l4Offset: pkt.l4Offset,
            linearLen: pkt.linearLen,
            len: pkt.len,
            ethProtocol: pkt.ethProtocol,
            mac: pkt.mac,
          }
        : { len: 0 }),
      bindInany: sk.bindInany,
      cpu,
    });
    if (r.ret !== 1) return this.verdictOf(null, null, mig === null ? "program-drop" : "not-migrated", hash, r.ret);
    const sel = r.selected;
    if (sel instanceof TcpListener && !sel.closed) return this.verdictOf(sel, "program", null, hash, r.ret);
    return this.verdictOf(g.pickByHash(hash), "hash", null, hash, r.ret);
  }

  private verdictOf(
    s: TcpListener | null,
    how: string | null,
    drop: string | null,
    hash: number,
    ret: number | null,
  ): Verdict {
    return {
      socket: s?.name ?? null,
      slot: s === null ? -1 : this.tcp.socks.indexOf(s),
      how: s === null ? null : how,
      drop: s === null ? (drop ?? "no-socket") : drop,
      hash,
      ret,
    };
  }

  private fromDelivery(d: Delivery): Verdict {
    const v = d.verdict;
    const ret = v === null ? null : v.kind === "index" ? v.index : v.kind === "drop" ? v.ret : 1;
    return { socket: d.socket?.name ?? null, slot: d.slot, how: d.how, drop: d.drop, hash: d.hash, ret };
  }
}

/**
 * A key or value as `size` bytes: a number or bigint little-endian (as the CPU stores it), or
 * hex text or bytes of exactly that size.
 */
export function toBytes(v: number | bigint | string | Uint8Array, size: number, what: string): Uint8Array {
  if (v instanceof Uint8Array || typeof v === "string") {
    const b = typeof v === "string" ? parseHex(v, what) : v;
    if (b.length !== size)
      throw new ModelError("testing.size", `${what}: ${b.length} bytes given, the map's size is ${size}`);
    return b;
  }
  let n = BigInt(v);
  if (n < 0n) n = BigInt.asUintN(size * 8, n);
  if (size < 8 && n >= 1n << BigInt(size * 8))
    throw new ModelError("testing.size", `${what}: ${v} does not fit in ${size} bytes`);
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    b[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return b;
}
