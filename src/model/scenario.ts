/**
 * The scenario format (documented by scenarios/scenario.schema.json) and its validator.
 * Times in files are milliseconds (fractions allowed); the simulator works in integer µs.
 * Errors are `ModelError`s reading `file: /json/pointer: expected …, got …`.
 * Addresses are IPv4 or IPv6 text: an IPv6 `bind` makes an AF_INET6 listener (`v6only` sets
 * IPV6_V6ONLY), an IPv6 client pair makes IPv6 connections. A v4-mapped client pair
 * (::ffff:a.b.c.d) stands for IPv4 segments, as a real v4-mapped connect sends.
 * Omitted: several client groups may share a source range (the author's choice; duplicate
 * 4-tuples are not detected).
 */
import { InputError, ModelError } from "../errors.js";
import { isSysctlName, SYSCTL_NAMES, sysctlRange, type Sysctls } from "./netns.js";
import { AF_INET6, parseAddress, parseHex, unmapV4, type Address } from "./udp-packet.js";
import {
  checkScenarioWork,
  jsonNestingPast,
  MAX_CLIENT_GROUPS,
  MAX_NAME_CHARS,
  MAX_PATH_CHARS,
  MAX_CONNECTIONS,
  MAX_DATA_BYTES,
  MAX_EVENTS,
  MAX_JSON_DEPTH,
  MAX_LISTENERS,
  MAX_MAPS,
  MAX_PUBLISH_WRITES,
  MAX_RATE,
  MAX_TIME_MS,
  MIN_PUBLISH_MS,
  MIN_SAMPLE_MS,
} from "./scenario-limits.js";

const INT32_MAX = 2147483647;
/** Ranges of the number fields (README "Scenarios" and "Limits"). */
const TIME = { max: MAX_TIME_MS } as const;
const RATE = { max: MAX_RATE } as const;

/** A JSON pointer segment: `~` and `/` escaped (RFC 6901). */
const seg = (k: string): string => k.replace(/~/g, "~0").replace(/\//g, "~1");

export interface ListenerSpec {
  name: string;
  /** Bind address, IPv4 or IPv6 text (IPv6: an AF_INET6 socket); default "0.0.0.0". */
  bind: string;
  /** IPV6_V6ONLY on an IPv6 listener: it takes no IPv4 connections. Default false. */
  v6only: boolean;
  backlog: number;
  /** Accepts per second; null = accept at once; 0 = never accepts. */
  acceptRate: number | null;
  /** When it first listens (ms), or null to wait for a `listen` event. */
  listenAt: number | null;
  deferAcceptSec: number;
  synRetries: number;
  fastOpenQlen: number;
}

export interface ClientSpec {
  name: string;
  startMs: number;
  count: number;
  /** Connections per second; 0 = all at startMs. */
  rate: number;
  src: string;
  srcPort: number;
  /** Server address the clients connect to; default "127.0.0.1". IPv6 with an IPv6 `src`. */
  dst: string;
  /** Final ACK delay after the SYN (ms); null = never acks (a SYN flood). */
  ackDelayMs: number | null;
  fastOpen: boolean;
  dataBytes: number;
  /** The data's bytes as hex (default: `dataBytes` zero bytes); `dataBytes` defaults to its length. */
  payload: string | null;
  /**
   * The final ACK is bare and the data goes in a segment of its own: at this time (ms), or
   * this long after the ACK (ms). Both null: the ACK carries the data.
   */
  dataAtMs: number | null;
  dataAfterMs: number | null;
  /** Explicit connection hashes (replaying a real run), one per connection. */
  hashes: number[] | null;
}

export type ScenarioEvent =
  | { at: number; do: "listen"; listener: string; backlog?: number }
  | { at: number; do: "close"; listener: string }
  | { at: number; do: "shutdown"; listener: string; how: "rd" | "wr" | "rdwr" }
  | { at: number; do: "attach"; via: string; policy: string }
  | { at: number; do: "detach"; via: string }
  | { at: number; do: "sysctl"; name: keyof Sysctls; value: number }
  | { at: number; do: "map"; map: string; key: MapOperand; value: MapOperand }
  | { at: number; do: "map-delete"; map: string; key: MapOperand }
  | { at: number; do: "accept-rate"; listener: string; rate: number | null };

/** A map key or value in a scenario: a number, or a listener (its cookie; itself in a socket map). */
export type MapOperand = number | { readonly listener: string };

export const MAP_TYPES = ["sockarray", "sockmap", "sockhash", "array", "hash", "lru_hash"] as const;
export type MapType = (typeof MAP_TYPES)[number];

/** Socket maps hold listeners (the program `select`s from them); the rest hold numbers. */
export const isSocketMapType = (t: MapType): boolean => t === "sockarray" || t === "sockmap" || t === "sockhash";

export interface MapDecl {
  name: string;
  type: MapType;
  maxEntries: number;
  /** Key and value sizes in bytes, if the scenario states them (checked against the policy's map). */
  keySize?: number;
  valueSize?: number;
}

/**
 * Control plane: every `everyMs` from `startMs`, write each listening listener's `value` into
 * `map` at its slot: its key in the sockarray `slotsFrom`, or its index in /listeners.
 * "queue" = accept-queue length, "accepted" = accepted so far, "active" = accepted within the
 * last `lifetimeMs` (connections close after that long).
 */
export interface PublishSpec {
  map: string;
  everyMs: number;
  startMs: number;
  value: "queue" | "accepted" | "active";
  lifetimeMs: number;
  slotsFrom: string | null;
}

export interface Scenario {
  name: string;
  description: string;
  seed: number;
  port: number;
  durationMs: number;
  sampleMs: number;
  sysctls: Partial<Sysctls>;
  listeners: ListenerSpec[];
  clients: ClientSpec[];
  maps: MapDecl[];
  publish: PublishSpec[];
  events: ScenarioEvent[];
}

type Obj = Record<string, unknown>;

class V {
  constructor(readonly file: string) {}
  fail(path: string, msg: string): never {
    throw new ModelError("scenario.invalid", `${this.file}: ${path || "/"}: ${msg}`);
  }
  got(v: unknown): string {
    if (v === undefined) return "nothing";
    // Shown values are cut short: a rejected field may be a megabyte array.
    let s: string;
    try {
      s = Array.isArray(v) && v.length > 16 ? `an array of ${v.length}` : JSON.stringify(v);
    } catch {
      s = Array.isArray(v) ? "an array" : "an object"; // too deep to print
    }
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  }
  obj(v: unknown, path: string): Obj {
    if (typeof v !== "object" || v === null || Array.isArray(v))
      this.fail(path, `expected an object, got ${this.got(v)}`);
    return v as Obj;
  }
  keys(o: Obj, path: string, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) this.fail(`${path}/${seg(k)}`, `unknown field; expected one of ${allowed.join(", ")}`);
    }
  }
  arr(v: unknown, path: string, max = Number.MAX_SAFE_INTEGER): unknown[] {
    if (!Array.isArray(v)) this.fail(path, `expected an array, got ${this.got(v)}`);
    if (v.length > max) this.fail(path, `${v.length} entries; the limit is ${max}`);
    return v;
  }
  num(
    o: Obj,
    k: string,
    path: string,
    dflt?: number,
    opts: { int?: boolean; min?: number; max?: number } = {},
  ): number {
    const v = o[k];
    if (v === undefined && dflt !== undefined) return dflt;
    const p = `${path}/${k}`;
    const min = opts.min ?? 0;
    const what = opts.int === true ? "integer" : "number";
    const desc =
      min === 0 && opts.max === undefined
        ? `a non-negative ${what}`
        : `${what === "integer" ? "an" : "a"} ${what} from ${min} to ${opts.max ?? "∞"}`;
    if (
      typeof v !== "number" ||
      !Number.isFinite(v) ||
      (opts.int === true && !Number.isInteger(v)) ||
      v < min ||
      (opts.max !== undefined && v > opts.max)
    ) {
      this.fail(p, `expected ${desc}, got ${this.got(v)}`);
    }
    return v;
  }
  nullableNum(
    o: Obj,
    k: string,
    path: string,
    dflt: number | null,
    opts: { int?: boolean; min?: number; max?: number } = {},
  ): number | null {
    if (o[k] === null) return null;
    if (o[k] === undefined) return dflt;
    return this.num(o, k, path, undefined, opts);
  }
  /** A non-empty string of at most `max` characters (names are printed in tables, padded to the longest). */
  str(o: Obj, k: string, path: string, dflt?: string, max = MAX_NAME_CHARS): string {
    const v = o[k];
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== "string" || v.length === 0)
      this.fail(`${path}/${k}`, `expected a non-empty string, got ${this.got(v)}`);
    if (v.length > max) this.fail(`${path}/${k}`, `expected at most ${max} characters, got ${v.length}`);
    return v;
  }
  bool(o: Obj, k: string, path: string, dflt: boolean): boolean {
    const v = o[k];
    if (v === undefined) return dflt;
    if (typeof v !== "boolean") this.fail(`${path}/${k}`, `expected true or false, got ${this.got(v)}`);
    return v;
  }
  ip(o: Obj, k: string, path: string, dflt: string): string {
    const s = this.str(o, k, path, dflt);
    if (parseAddressOrNull(s) === null)
      this.fail(`${path}/${k}`, `expected an IPv4 (dotted-quad) or IPv6 address, got ${this.got(s)}`);
    return s;
  }
}

/** IPv4 or IPv6 text as an `Address`, or null. */
export function parseAddressOrNull(s: string): Address | null {
  try {
    return parseAddress(s, "");
  } catch (e) {
    if (e instanceof InputError) return null;
    throw e;
  }
}

export function formatIp(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

const TOP = [
  "$schema",
  "name",
  "description",
  "seed",
  "port",
  "durationMs",
  "sampleMs",
  "sysctls",
  "listeners",
  "clients",
  "maps",
  "publish",
  "events",
];
const LISTENER = [
  "name",
  "bind",
  "v6only",
  "backlog",
  "acceptRate",
  "listenAt",
  "deferAcceptSec",
  "synRetries",
  "fastOpenQlen",
];
const CLIENT = [
  "name",
  "startMs",
  "count",
  "rate",
  "src",
  "srcPort",
  "dst",
  "ackDelayMs",
  "fastOpen",
  "dataBytes",
  "payload",
  "dataAtMs",
  "dataAfterMs",
  "hashes",
];
const EVENT_FIELDS: Record<ScenarioEvent["do"], readonly string[]> = {
  listen: ["listener", "backlog"],
  close: ["listener"],
  shutdown: ["listener", "how"],
  attach: ["via", "policy"],
  detach: ["via"],
  sysctl: ["name", "value"],
  map: ["map", "key", "listener", "value"],
  "map-delete": ["map", "key"],
  "accept-rate": ["listener", "rate"],
};

/** The family a client's segments have: 4 for IPv4 and v4-mapped text, 6 for other IPv6. */
function clientFamily(text: string): 4 | 6 {
  const a = parseAddressOrNull(text);
  return a === null || unmapV4(a) !== null ? 4 : 6;
}

/** Validate parsed JSON as a scenario; `file` names it in messages. */
export function validateScenario(json: unknown, file: string): Scenario {
  const v: V = new V(file);
  const o = v.obj(json, "");
  v.keys(o, "", TOP);
  const durationMs = v.num(o, "durationMs", "", undefined, TIME);
  const sc: Scenario = {
    name: v.str(o, "name", "", file.replace(/^.*\//, "").replace(/\.json$/, "")),
    description: typeof o.description === "string" ? o.description : "",
    seed: v.num(o, "seed", "", 1, { int: true, max: 0xffffffff }),
    port: v.num(o, "port", "", 8080, { int: true, min: 1, max: 65535 }),
    durationMs,
    sampleMs: v.num(o, "sampleMs", "", Math.max(1, durationMs / 200), { min: MIN_SAMPLE_MS, max: MAX_TIME_MS }),
    sysctls: {},
    listeners: [],
    clients: [],
    maps: [],
    publish: [],
    events: [],
  };
  readSysctls(v, o, sc);
  const names = readListeners(v, o, sc);
  readClients(v, o, sc);
  const refs = new Refs(v, names, readMaps(v, o, sc));
  readPublish(v, o, sc, refs);
  readEvents(v, o, sc, refs);
  checkScenarioWork(sc, file);
  checkPublishWork(sc, file);
  return sc;
}

/** `/sysctls`: each a known name with a value in its range. */
function readSysctls(v: V, o: Obj, sc: Scenario): void {
  if (o.sysctls !== undefined) {
    const s = v.obj(o.sysctls, "/sysctls");
    for (const k of Object.keys(s)) {
      if (!isSysctlName(k)) v.fail(`/sysctls/${seg(k)}`, `unknown sysctl; expected one of ${SYSCTL_NAMES.join(", ")}`);
      const [lo, hi] = sysctlRange(k);
      sc.sysctls[k] = v.num(s, k, "/sysctls", undefined, { int: true, min: lo, max: hi });
    }
  }
}

/** `/listeners`; returns their names. */
function readListeners(v: V, o: Obj, sc: Scenario): Set<string> {
  const names = new Set<string>();
  v.arr(o.listeners, "/listeners", MAX_LISTENERS).forEach((x, i) => {
    const p = `/listeners/${i}`;
    const l = v.obj(x, p);
    v.keys(l, p, LISTENER);
    const name = v.str(l, "name", p);
    if (names.has(name)) v.fail(`${p}/name`, `duplicate listener name ${JSON.stringify(name)}`);
    names.add(name);
    const bind = v.ip(l, "bind", p, "0.0.0.0");
    const v6only = v.bool(l, "v6only", p, false);
    if (v6only && parseAddressOrNull(bind)?.family !== AF_INET6)
      v.fail(`${p}/v6only`, `IPV6_V6ONLY needs an IPv6 "bind" address, got ${JSON.stringify(bind)}`);
    sc.listeners.push({
      name,
      bind,
      v6only,
      backlog: v.num(l, "backlog", p, 4096, { int: true, max: INT32_MAX }),
      acceptRate: v.nullableNum(l, "acceptRate", p, null, RATE),
      listenAt: v.nullableNum(l, "listenAt", p, null, TIME),
      deferAcceptSec: v.num(l, "deferAcceptSec", p, 0, { int: true, max: INT32_MAX }),
      synRetries: v.num(l, "synRetries", p, 0, { int: true, max: 255 }),
      fastOpenQlen: v.num(l, "fastOpenQlen", p, 0, { int: true, max: INT32_MAX }),
    });
  });
  return names;
}

/** `/clients`: groups of connections, their addresses and data. */
function readClients(v: V, o: Obj, sc: Scenario): void {
  (o.clients === undefined ? [] : v.arr(o.clients, "/clients", MAX_CLIENT_GROUPS)).forEach((x, i) => {
    const p = `/clients/${i}`;
    const c = v.obj(x, p);
    v.keys(c, p, CLIENT);
    const count = v.num(c, "count", p, undefined, { int: true, max: MAX_CONNECTIONS });
    let hashes: number[] | null = null;
    if (c.hashes !== undefined) {
      const hs = v.arr(c.hashes, `${p}/hashes`);
      if (hs.length !== count) v.fail(`${p}/hashes`, `expected ${count} hashes (one per connection), got ${hs.length}`);
      hashes = hs.map((_, j) =>
        v.num(hs as unknown as Obj, String(j), `${p}/hashes`, undefined, { int: true, max: 0xffffffff }),
      );
    }
    const src = v.ip(c, "src", p, "10.0.0.1");
    const dst = v.ip(c, "dst", p, "127.0.0.1");
    if (clientFamily(src) !== clientFamily(dst))
      v.fail(
        `${p}/${c.src === undefined ? "dst" : "src"}`,
        `expected "src" and "dst" of one family (IPv4 or v4-mapped, or IPv6), got ${JSON.stringify(src)} and ${JSON.stringify(dst)}`,
      );
    let payload: string | null = null;
    let payloadLen = 0;
    if (c.payload !== undefined) {
      payload = v.str(c, "payload", p, undefined, 2 * MAX_DATA_BYTES + 2);
      try {
        payloadLen = parseHex(payload, "").length;
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        v.fail(`${p}/payload`, `expected hex bytes, got ${v.got(payload)}`);
      }
      if (payloadLen === 0) v.fail(`${p}/payload`, `expected at least one byte of hex, got ${v.got(payload)}`);
    }
    const dataBytes = v.num(c, "dataBytes", p, payloadLen, { int: true, max: MAX_DATA_BYTES });
    if (payload !== null && dataBytes !== payloadLen)
      v.fail(`${p}/dataBytes`, `expected ${payloadLen} (the length of "payload"), got ${dataBytes}`);
    sc.clients.push({
      name: v.str(c, "name", p, `clients${i}`),
      startMs: v.num(c, "startMs", p, 0, TIME),
      count,
      rate: v.num(c, "rate", p, 0, RATE),
      src,
      srcPort: v.num(c, "srcPort", p, 1024, { int: true, min: 1, max: 65535 }),
      dst,
      ackDelayMs: v.nullableNum(c, "ackDelayMs", p, 0, TIME),
      fastOpen: v.bool(c, "fastOpen", p, false),
      dataBytes,
      payload,
      dataAtMs: v.nullableNum(c, "dataAtMs", p, null, TIME),
      dataAfterMs: v.nullableNum(c, "dataAfterMs", p, null, TIME),
      hashes,
    });
    const cl = sc.clients[sc.clients.length - 1] as ClientSpec;
    if (cl.dataAtMs !== null || cl.dataAfterMs !== null) {
      const k = cl.dataAtMs !== null ? "dataAtMs" : "dataAfterMs";
      if (cl.dataAtMs !== null && cl.dataAfterMs !== null)
        v.fail(`${p}/dataAfterMs`, `expected at most one of "dataAtMs" and "dataAfterMs"`);
      if (cl.dataBytes === 0) v.fail(`${p}/${k}`, `a client that sends data later needs "dataBytes" > 0`);
      if (cl.fastOpen) v.fail(`${p}/${k}`, `a TFO client sends its data with the SYN; drop "${k}" or "fastOpen"`);
    }
  });
}

/** `/maps`; returns each map's type by name. */
function readMaps(v: V, o: Obj, sc: Scenario): Map<string, MapType> {
  const mapTypes = new Map<string, MapType>();
  (o.maps === undefined ? [] : v.arr(o.maps, "/maps", MAX_MAPS)).forEach((x, i) => {
    const p = `/maps/${i}`;
    const m = v.obj(x, p);
    v.keys(m, p, ["name", "type", "maxEntries", "keySize", "valueSize"]);
    const type = v.str(m, "type", p);
    if (!(MAP_TYPES as readonly string[]).includes(type))
      v.fail(`${p}/type`, `expected one of ${MAP_TYPES.map((t) => JSON.stringify(t)).join(", ")}, got ${v.got(type)}`);
    const name = v.str(m, "name", p);
    if (mapTypes.has(name)) v.fail(`${p}/name`, `duplicate map name ${JSON.stringify(name)}`);
    mapTypes.set(name, type as MapType);
    const size = (k: string): number | undefined =>
      m[k] === undefined ? undefined : v.num(m, k, p, undefined, { int: true, min: 1, max: 512 });
    const keySize = size("keySize");
    const valueSize = size("valueSize");
    sc.maps.push({
      name,
      type: type as MapType,
      maxEntries: v.num(m, "maxEntries", p, undefined, { int: true, min: 1, max: 1 << 20 }),
      ...(keySize !== undefined ? { keySize } : {}),
      ...(valueSize !== undefined ? { valueSize } : {}),
    });
  });
  return mapTypes;
}

/** What publish entries and events may name: listeners, maps, and map keys and values. */
class Refs {
  constructor(
    private readonly v: V,
    private readonly names: ReadonlySet<string>,
    readonly mapTypes: ReadonlyMap<string, MapType>,
  ) {}

  listener(e: Obj, k: string, p: string): string {
    const n = this.v.str(e, k, p);
    if (!this.names.has(n))
      this.v.fail(`${p}/${k}`, `expected a listener name (${[...this.names].join(", ")}), got ${JSON.stringify(n)}`);
    return n;
  }

  /** A key or value: an integer, or {"listener": NAME}. */
  operand(e: Obj, k: string, p: string): MapOperand {
    const x = e[k];
    if (typeof x === "object" && x !== null && !Array.isArray(x)) {
      const o2 = x as Obj;
      this.v.keys(o2, `${p}/${k}`, ["listener"]);
      return { listener: this.listener(o2, "listener", `${p}/${k}`) };
    }
    if (typeof x !== "number")
      this.v.fail(`${p}/${k}`, `expected an integer or {"listener": NAME}, got ${this.v.got(x)}`);
    return this.v.num(e, k, p, undefined, { int: true, max: Number.MAX_SAFE_INTEGER });
  }

  map(e: Obj, p: string): string {
    const n = this.v.str(e, "map", p);
    if (!this.mapTypes.has(n)) this.v.fail(`${p}/map`, `expected a declared map name, got ${JSON.stringify(n)}`);
    return n;
  }
}

/** `/publish`: periodic writes of the model's numbers into a map. */
function readPublish(v: V, o: Obj, sc: Scenario, refs: Refs): void {
  const mapTypes = refs.mapTypes;
  (o.publish === undefined ? [] : v.arr(o.publish, "/publish", MAX_MAPS)).forEach((x, i) => {
    const p = `/publish/${i}`;
    const e = v.obj(x, p);
    v.keys(e, p, ["map", "everyMs", "startMs", "value", "lifetimeMs", "slotsFrom"]);
    const map = refs.map(e, p);
    if (isSocketMapType(mapTypes.get(map) as MapType))
      v.fail(`${p}/map`, `expected a map of numbers (array, hash, lru_hash), got socket map ${JSON.stringify(map)}`);
    const value = v.str(e, "value", p);
    if (value !== "queue" && value !== "accepted" && value !== "active")
      v.fail(`${p}/value`, `expected "queue", "accepted" or "active", got ${v.got(value)}`);
    const lifetimeMs = v.num(e, "lifetimeMs", p, value === "active" ? undefined : 0, {
      min: value === "active" ? MIN_SAMPLE_MS : 0,
      max: MAX_TIME_MS,
    });
    if (value !== "active" && e.lifetimeMs !== undefined)
      v.fail(`${p}/lifetimeMs`, `only "value": "active" has a connection lifetime`);
    let slotsFrom: string | null = null;
    if (e.slotsFrom !== undefined) {
      slotsFrom = v.str(e, "slotsFrom", p);
      if (mapTypes.get(slotsFrom) !== "sockarray")
        v.fail(`${p}/slotsFrom`, `expected the name of a declared sockarray map, got ${JSON.stringify(slotsFrom)}`);
    }
    sc.publish.push({
      map,
      everyMs: v.num(e, "everyMs", p, undefined, { min: MIN_PUBLISH_MS, max: MAX_TIME_MS }),
      startMs: v.num(e, "startMs", p, 0, TIME),
      value,
      lifetimeMs,
      slotsFrom,
    });
  });
}

/** `/events`: timed listen, close, attach, sysctl and map operations. */
function readEvents(v: V, o: Obj, sc: Scenario, refs: Refs): void {
  const mapTypes = refs.mapTypes;
  (o.events === undefined ? [] : v.arr(o.events, "/events", MAX_EVENTS)).forEach((x, i) => {
    const p = `/events/${i}`;
    const e = v.obj(x, p);
    const at = v.num(e, "at", p, undefined, TIME);
    const kind = e.do;
    if (typeof kind !== "string" || !(kind in EVENT_FIELDS)) {
      v.fail(`${p}/do`, `expected one of ${Object.keys(EVENT_FIELDS).join(", ")}, got ${v.got(kind)}`);
    }
    const k = kind as ScenarioEvent["do"];
    v.keys(e, p, ["at", "do", ...EVENT_FIELDS[k]]);
    switch (k) {
      case "listen":
        sc.events.push({
          at,
          do: k,
          listener: refs.listener(e, "listener", p),
          ...(e.backlog !== undefined
            ? { backlog: v.num(e, "backlog", p, undefined, { int: true, max: INT32_MAX }) }
            : {}),
        });
        break;
      case "close":
        sc.events.push({ at, do: k, listener: refs.listener(e, "listener", p) });
        break;
      case "shutdown": {
        const how = v.str(e, "how", p, "rdwr");
        if (how !== "rd" && how !== "wr" && how !== "rdwr")
          v.fail(`${p}/how`, `expected "rd", "wr" or "rdwr", got ${v.got(how)}`);
        sc.events.push({ at, do: k, listener: refs.listener(e, "listener", p), how });
        break;
      }
      case "attach":
        sc.events.push({
          at,
          do: k,
          via: refs.listener(e, "via", p),
          policy: v.str(e, "policy", p, undefined, MAX_PATH_CHARS),
        });
        break;
      case "detach":
        sc.events.push({ at, do: k, via: refs.listener(e, "via", p) });
        break;
      case "sysctl": {
        const name = v.str(e, "name", p);
        if (!isSysctlName(name))
          v.fail(
            `${p}/name`,
            `unknown sysctl; expected one of ${SYSCTL_NAMES.join(", ")}, got ${JSON.stringify(name)}`,
          );
        const [lo, hi] = sysctlRange(name);
        sc.events.push({ at, do: k, name, value: v.num(e, "value", p, undefined, { int: true, min: lo, max: hi }) });
        break;
      }
      case "map": {
        const map = refs.map(e, p);
        const key = refs.operand(e, "key", p);
        if ((e.listener === undefined) === (e.value === undefined))
          v.fail(p, `expected exactly one of "listener" or "value"`);
        // "listener": NAME is the older spelling of "value": {"listener": NAME}.
        const value =
          e.listener !== undefined ? { listener: refs.listener(e, "listener", p) } : refs.operand(e, "value", p);
        const socketMap = isSocketMapType(mapTypes.get(map) as MapType);
        if (socketMap && typeof value === "number")
          v.fail(
            `${p}/value`,
            `map ${JSON.stringify(map)} is a socket map: expected {"listener": NAME}, got ${v.got(value)}`,
          );
        sc.events.push({ at, do: k, map, key, value });
        break;
      }
      case "map-delete":
        sc.events.push({ at, do: k, map: refs.map(e, p), key: refs.operand(e, "key", p) });
        break;
      case "accept-rate":
        sc.events.push({
          at,
          do: k,
          listener: refs.listener(e, "listener", p),
          rate: v.nullableNum(e, "rate", p, null, RATE),
        });
        break;
    }
  });
}

/** Each publish interval writes one entry per listener: refuse what would take hours. */
function checkPublishWork(sc: Scenario, file: string): void {
  let writes = 0;
  sc.publish.forEach((pb, i) => {
    writes += (Math.floor(Math.max(0, sc.durationMs - pb.startMs) / pb.everyMs) + 1) * sc.listeners.length;
    if (writes > MAX_PUBLISH_WRITES) {
      throw new ModelError(
        "scenario.too-large",
        `${file}: /publish/${i}/everyMs: publishing implies ${writes.toLocaleString("en-US")} map writes (listeners × intervals); the limit is ${MAX_PUBLISH_WRITES.toLocaleString("en-US")}: raise everyMs`,
      );
    }
  });
}

/** Parse JSON text and validate it; a syntax error names the file and position. */
export function parseScenario(text: string, file: string): Scenario {
  const deep = jsonNestingPast(text, MAX_JSON_DEPTH);
  if (deep !== null) {
    throw new ModelError(
      "scenario.too-deep",
      `${file}: line ${deep.line}, column ${deep.col}: JSON nests more than ${MAX_JSON_DEPTH} levels deep (a scenario needs 4)`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelError("scenario.json", `${file}: /: invalid JSON: ${(e as Error).message}`);
  }
  return validateScenario(json, file);
}
