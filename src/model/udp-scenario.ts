/**
 * The UDP scenario format: a JSON object with a top-level `udp` section (README "UDP, IPv6 and
 * packet bytes"). Sockets bind (at 0 or at a `bind` event) and read at a rate; flow groups send
 * datagrams (hex payloads or QUIC headers whose DCID carries the flow) at a rate from many
 * source ports; events close and bind sockets, attach programs and write maps. Errors are
 * located: file:line:col of the offending value, with its JSON pointer.
 */
import { ModelError } from "../errors.js";
import { jsonPositions, locate } from "./json-locate.js";
import { parseAddress, parseHex, type Address } from "./udp-packet.js";

export interface UdpSocketSpec {
  readonly name: string;
  readonly addr: Address;
  readonly v6only: boolean;
  readonly rcvbuf: number | null;
  /** Datagrams per second the application reads; null: it reads each at once. */
  readonly readRate: number | null;
  /** Bound at time 0 (else at a `bind` event). */
  readonly bound: boolean;
}

export interface QuicSpec {
  readonly form: "short" | "initial" | "0rtt" | "handshake" | "retry";
  /** DCID prefix; the flow's index (big-endian) fills the rest up to `dcidLength`. */
  readonly dcidPrefix: Uint8Array;
  readonly dcidLength: number;
}

export interface FlowSpec {
  readonly name: string;
  /** Number of flows (distinct source ports from `srcPort` on). */
  readonly count: number;
  readonly src: Address;
  readonly srcPort: number;
  readonly startMs: number;
  /** Datagrams per second over the whole group (round-robin over its flows). */
  readonly rate: number;
  readonly datagramsPerFlow: number;
  readonly payload: Uint8Array | null;
  readonly quic: QuicSpec | null;
  /** CPU of each datagram: a number, or "flow" (flow index modulo `cpus`). */
  readonly cpu: number | "flow";
  /** The socket the flows belong to (counted as misrouted when they land elsewhere). */
  /**
   * The sockets the flows belong to (`owner`: one name or several, e.g. a worker's old and new
   * socket); landing elsewhere counts as misrouted.
   */
  readonly owners: readonly string[] | null;
}

export type UdpEvent =
  | { readonly at: number; readonly do: "close"; readonly socket: string }
  | { readonly at: number; readonly do: "bind"; readonly socket: string }
  | { readonly at: number; readonly do: "attach"; readonly via: string; readonly program: string }
  | { readonly at: number; readonly do: "detach"; readonly via: string }
  /** connect(2): the socket gets `peer:port`'s datagrams and leaves the hash pick. */
  | {
      readonly at: number;
      readonly do: "connect";
      readonly socket: string;
      readonly peer: Address;
      readonly port: number;
    }
  /**
   * `program`: the program whose maps get the write (default: the one attached last); a
   * program may be filled before it is attached.
   */
  | {
      readonly at: number;
      readonly do: "map";
      readonly map: string;
      readonly key: number | string;
      readonly value: number | string | null;
      readonly socket: string | null;
      /** `"value": { "cookie": NAME }`: the socket's cookie (SO_COOKIE) as a u64 value. */
      readonly cookieOf: string | null;
      /** `"key": { "cookie": NAME }`: the socket's cookie as the key. */
      readonly keyCookieOf: string | null;
      readonly program: string | null;
    };

export interface UdpScenario {
  readonly name: string;
  readonly description: string;
  readonly seed: number;
  readonly durationMs: number;
  readonly port: number;
  readonly cpus: number;
  readonly sockets: readonly UdpSocketSpec[];
  readonly flows: readonly FlowSpec[];
  readonly events: readonly UdpEvent[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether a parsed JSON document is a UDP scenario (it has a top-level `udp` object). */
export function isUdpScenarioText(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return isObj(v) && isObj(v.udp);
  } catch {
    return false;
  }
}

export function parseUdpScenario(text: string, file: string): UdpScenario {
  const raw = JSON.parse(text) as Obj;
  const positions = jsonPositions(text);
  const fail = (ptr: string, msg: string): never => {
    const p = locate(positions, ptr);
    throw new ModelError("udp-scenario.invalid", `${ptr}: ${msg}`, { file, line: p.line, col: p.col });
  };
  const num = (
    o: Obj,
    k: string,
    ptr: string,
    def: number | undefined,
    min: number,
    max: number,
    int = true,
  ): number => {
    const v = o[k];
    if (v === undefined) return def ?? fail(`${ptr}/${k}`, `missing; expected a number ${min}..${max}`);
    if (typeof v !== "number" || (int && !Number.isInteger(v)) || v < min || v > max)
      return fail(
        `${ptr}/${k}`,
        `expected ${int ? "an integer" : "a number"} ${min}..${max}, got ${JSON.stringify(v)}`,
      );
    return v;
  };
  const str = (o: Obj, k: string, ptr: string, def?: string): string => {
    const v = o[k];
    if (v === undefined && def !== undefined) return def;
    if (typeof v !== "string") return fail(`${ptr}/${k}`, `expected a string, got ${JSON.stringify(v)}`);
    return v;
  };
  const addr = (o: Obj, k: string, ptr: string, def: string): Address => {
    const t = str(o, k, ptr, def);
    try {
      return parseAddress(t, `${ptr}/${k}`);
    } catch {
      return fail(`${ptr}/${k}`, `'${t}' is not an IPv4 or IPv6 address`);
    }
  };
  const hex = (t: unknown, ptr: string): Uint8Array => {
    if (typeof t !== "string") return fail(ptr, "expected hex bytes");
    try {
      return parseHex(t, ptr);
    } catch (e) {
      return fail(ptr, (e as Error).message.replace(`${ptr}: `, ""));
    }
  };
  const u = raw.udp as Obj;
  const seed = num(raw, "seed", "", 0, 0, 0xffffffff);
  const durationMs = num(raw, "durationMs", "", 1000, 1, 86_400_000, false);
  const port = num(u, "port", "/udp", 4433, 1, 65535);
  const cpus = num(u, "cpus", "/udp", 2, 1, 4096);
  if (!Array.isArray(u.sockets) || u.sockets.length === 0)
    fail("/udp/sockets", "expected a non-empty array of sockets");
  const sockets = (u.sockets as unknown[]).map((s, i): UdpSocketSpec => {
    const p = `/udp/sockets/${i}`;
    if (!isObj(s)) return fail(p, "expected { name, address?, v6only?, rcvbuf?, readRate?, bound? }");
    const readRate =
      s.readRate === null || s.readRate === undefined ? null : num(s, "readRate", p, undefined, 0, 1e9, false);
    const bound =
      s.bound === undefined
        ? true
        : typeof s.bound === "boolean"
          ? s.bound
          : fail(`${p}/bound`, "expected true or false");
    return {
      name: str(s, "name", p),
      addr: addr(s, "address", p, "127.0.0.1"),
      v6only: s.v6only === true,
      rcvbuf: s.rcvbuf === undefined ? null : num(s, "rcvbuf", p, undefined, 1, 2 ** 31 - 1),
      readRate,
      bound,
    };
  });
  const names = new Set<string>();
  sockets.forEach((s, i) => {
    if (names.has(s.name)) fail(`/udp/sockets/${i}/name`, `socket '${s.name}' is named twice`);
    names.add(s.name);
  });
  const sock = (v: unknown, ptr: string): string => {
    if (typeof v !== "string" || !names.has(v))
      return fail(ptr, `no socket named ${JSON.stringify(v)} (sockets: ${[...names].join(", ")})`);
    return v;
  };
  if (!Array.isArray(u.flows)) fail("/udp/flows", "expected an array of flow groups");
  const flows = (u.flows as unknown[]).map((f, i): FlowSpec => {
    const p = `/udp/flows/${i}`;
    if (!isObj(f)) return fail(p, "expected { name, count, rate, datagramsPerFlow, payload | quic, ... }");
    if (f.payload !== undefined && f.quic !== undefined) fail(p, "give payload or quic, not both");
    let quic: QuicSpec | null = null;
    if (f.quic !== undefined) {
      const q = f.quic;
      if (!isObj(q)) return fail(`${p}/quic`, "expected { dcidPrefix?, dcidLength?, form? }");
      const form = q.form ?? "short";
      if (!["short", "initial", "0rtt", "handshake", "retry"].includes(form as string))
        fail(`${p}/quic/form`, `expected short, initial, 0rtt, handshake or retry, got ${JSON.stringify(form)}`);
      const prefix = q.dcidPrefix === undefined ? new Uint8Array(0) : hex(q.dcidPrefix, `${p}/quic/dcidPrefix`);
      const len = num(q, "dcidLength", `${p}/quic`, 8, 1, 20);
      if (prefix.length > len)
        fail(`${p}/quic/dcidPrefix`, `the prefix has ${prefix.length} bytes, more than dcidLength ${len}`);
      quic = { form: form as QuicSpec["form"], dcidPrefix: prefix, dcidLength: len };
    }
    const cpu = f.cpu === "flow" ? "flow" : num(f, "cpu", p, 0, 0, cpus - 1);
    const count = num(f, "count", p, 1, 1, 1_000_000);
    const srcPort = num(f, "srcPort", p, 20000, 1, 65535);
    if (srcPort + count - 1 > 65535) fail(`${p}/count`, `${count} flows from port ${srcPort} pass port 65535`);
    return {
      name: str(f, "name", p, `flows${i}`),
      count,
      src: addr(f, "src", p, "127.0.0.1"),
      srcPort,
      startMs: num(f, "startMs", p, 0, 0, durationMs, false),
      rate: num(f, "rate", p, 1000, 0.001, 1e9, false),
      datagramsPerFlow: num(f, "datagramsPerFlow", p, 1, 1, 1e9),
      payload: f.payload === undefined ? null : hex(f.payload, `${p}/payload`),
      quic,
      cpu,
      owners:
        f.owner === undefined
          ? null
          : Array.isArray(f.owner)
            ? f.owner.map((o: unknown, k: number) => sock(o, `${p}/owner/${k}`))
            : [sock(f.owner, `${p}/owner`)],
    };
  });
  const events = (
    Array.isArray(u.events) ? u.events : u.events === undefined ? [] : fail("/udp/events", "expected an array")
  ) as unknown[];
  const evs = events.map((e, i): UdpEvent => {
    const p = `/udp/events/${i}`;
    if (!isObj(e)) return fail(p, "expected { at, do, ... }");
    const at = num(e, "at", p, undefined, 0, durationMs, false);
    switch (e.do) {
      case "close":
      case "bind":
        return { at, do: e.do, socket: sock(e.socket, `${p}/socket`) };
      case "attach":
        return { at, do: "attach", via: sock(e.via, `${p}/via`), program: str(e, "program", p) };
      case "detach":
        return { at, do: "detach", via: sock(e.via, `${p}/via`) };
      case "connect":
        return {
          at,
          do: "connect",
          socket: sock(e.socket, `${p}/socket`),
          peer: addr(e, "peer", p, "127.0.0.1"),
          port: num(e, "port", p, undefined, 1, 65535),
        };
      case "map": {
        const keyCookieOf = isObj(e.key) ? sock(e.key.cookie, `${p}/key/cookie`) : null;
        const key =
          keyCookieOf !== null
            ? 0
            : typeof e.key === "number" || typeof e.key === "string"
              ? e.key
              : fail(`${p}/key`, "expected a number, hex or { cookie: SOCKET }");
        if (typeof key === "string") hex(key, `${p}/key`);
        const socket = e.socket === undefined ? null : sock(e.socket, `${p}/socket`);
        const cookieOf = isObj(e.value) ? sock(e.value.cookie, `${p}/value/cookie`) : null;
        const value =
          socket !== null || cookieOf !== null || e.value === null
            ? null
            : typeof e.value === "number" || typeof e.value === "string"
              ? e.value
              : fail(`${p}/value`, "expected a number, hex, { cookie: SOCKET }, or null (delete); or give socket");
        return {
          at,
          do: "map",
          map: str(e, "map", p),
          key,
          value,
          socket,
          cookieOf,
          keyCookieOf,
          program: e.program === undefined ? null : str(e, "program", p),
        };
      }
      default:
        return fail(`${p}/do`, `expected close, bind, connect, attach, detach or map, got ${JSON.stringify(e.do)}`);
    }
  });
  for (let i = 1; i < evs.length; i++)
    if (evs[i]!.at < evs[i - 1]!.at)
      fail(`/udp/events/${i}/at`, `events must be in time order (${evs[i]!.at} ms after ${evs[i - 1]!.at} ms)`);
  return {
    name: str(raw, "name", "", file),
    description: str(raw, "description", "", ""),
    seed,
    durationMs,
    port,
    cpus,
    sockets,
    flows,
    events: evs,
  };
}
