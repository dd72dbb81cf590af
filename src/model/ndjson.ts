/**
 * The `--ndjson` writer: one connection record per line, the bytes `JSON.stringify(rec)` would
 * give, written straight into a reused buffer and flushed to a file descriptor. A 10,000,000
 * connection run writes ~1.9 GB, so nothing is built per record: the simulator hands the
 * writer its own fields (`connection`, the `ConnectionSink` path: integer µs times, the source
 * address as a u32 and a port, listeners and clients by index) and the writer prints them.
 * Names are JSON-quoted once (`names`); numbers are written digit by digit; times are whole
 * microseconds, printed as JavaScript prints `us / 1000` (`usToMs`): the integer part, a point
 * and the fraction without trailing zeros. A record with migrations (a small share) has its
 * list written through JSON.stringify. `write(rec)` prints a finished `ConnRecord` the same way.
 */
import { writeSync } from "node:fs";
import type { ConnectionSink, ConnRecord, Fate, MigrationRec } from "./sim-result.js";

const FLUSH_AT = 1 << 20;
/** Room for one record's fixed parts: keys, numbers, the source address. Names are added. */
const FIXED_ROOM = 256;

const enc = new TextEncoder();
const ascii = (s: string): Uint8Array => enc.encode(s);
const quote = (s: string): Uint8Array => enc.encode(JSON.stringify(s));
const K_ID = ascii('{"id":');
const K_CLIENT = ascii(',"client":');
const K_SRC = ascii(',"src":"');
const K_HASH = ascii('","hash":');
const K_SYN = ascii(',"synAtMs":');
const K_SYNACKS = ascii(',"synAcks":');
const K_LISTENER = ascii(',"listener":');
const K_MIGRATIONS = ascii(',"migrations":');
const K_FATE = ascii(',"fate":');
const K_BY = ascii(',"by":');
const K_CAUSE = ascii(',"cause":');
const K_END = ascii(',"endAtMs":');
const NULL = ascii("null");
const EMPTY = ascii("[]");
/** `,"fate":"F","by":` for each fate: one copy instead of three. */
const FATE_BY: Readonly<Record<Fate, Uint8Array>> = {
  accepted: ascii(',"fate":"accepted","by":'),
  reset: ascii(',"fate":"reset","by":'),
  "timed-out": ascii(',"fate":"timed-out","by":'),
  open: ascii(',"fate":"open","by":'),
};

export class NdjsonWriter implements ConnectionSink {
  private buf = new Uint8Array(FLUSH_AT + FIXED_ROOM);
  private at = 0;
  /** JSON text of repeated strings, encoded once. */
  private readonly quoted = new Map<string, Uint8Array>();
  /** `,"client":"NAME","src":"` per client group (`names`). */
  private clientSrc: Uint8Array[] = [];
  /**
   * Per listener, index + 1 (0 for null): `,"listener":L,"migrations":[]`, the same without
   * the `[]`, and `L,"cause":` for `by`.
   */
  private listenerNoMig: Uint8Array[] = [];
  private listenerMig: Uint8Array[] = [];
  private byCause: Uint8Array[] = [];
  private readonly causeEnds = new Map<ConnRecord["cause"], Uint8Array>();
  private lastIp: number | string = -1;
  private lastIpText = new Uint8Array(0);
  /** Bytes one record may need beyond its migrations: fixed parts plus the longest names. */
  private room = FIXED_ROOM;

  constructor(private readonly fd: number) {}

  /** The scenario's client-group and listener names, by the indexes `connection` passes. */
  names(clients: readonly string[], listeners: readonly string[]): void {
    this.clientSrc = clients.map((c) => enc.encode(`,"client":${JSON.stringify(c)},"src":"`));
    const q = ["null", ...listeners.map((l) => JSON.stringify(l))];
    this.listenerNoMig = q.map((l) => enc.encode(`,"listener":${l},"migrations":[]`));
    this.listenerMig = q.map((l) => enc.encode(`,"listener":${l},"migrations":`));
    this.byCause = q.map((l) => enc.encode(`${l},"cause":`));
    let longest = 0;
    for (const l of this.listenerNoMig) longest = Math.max(longest, l.length);
    let client = 0;
    for (const c of this.clientSrc) client = Math.max(client, c.length);
    this.room = FIXED_ROOM + client + 2 * longest + 64; // listener and by, a cause, an address
    if (this.buf.length < FLUSH_AT + this.room) this.grow(this.room);
  }

  connection(
    id: number,
    client: number,
    srcIp: number | string,
    srcPort: number,
    hash: number,
    synAtUs: number,
    listener: number,
    migrations: readonly MigrationRec[] | null,
    fate: Fate,
    by: number,
    cause: ConnRecord["cause"],
    endAtUs: number,
    synAcks: number,
  ): void {
    if (this.at + this.room > this.buf.length) this.grow(this.room);
    if (srcIp !== this.lastIp) this.ipText(srcIp);
    // The position lives in a local and the helpers are plain functions over (buf, at), so
    // each field is a few stores; constant keys are joined to the names before them (`names`).
    const b = this.buf;
    let at = putBytes(b, this.at, K_ID);
    at = putU32(b, at, id);
    at = putBytes(b, at, this.clientSrc[client] as Uint8Array);
    at = putBytes(b, at, this.lastIpText);
    at = putU32(b, at, srcPort);
    at = putBytes(b, at, K_HASH);
    at = putU32(b, at, hash);
    at = putBytes(b, at, K_SYN);
    at = putUs(b, at, synAtUs);
    if (migrations === null || migrations.length === 0)
      at = putBytes(b, at, this.listenerNoMig[listener + 1] as Uint8Array);
    else {
      this.at = putBytes(b, at, this.listenerMig[listener + 1] as Uint8Array);
      this.long(enc.encode(JSON.stringify(migrations)));
      this.need(this.room);
      at = this.at;
    }
    const b2 = this.buf;
    at = putBytes(b2, at, fate === "accepted" ? FATE_BY.accepted : FATE_BY[fate]);
    at = putBytes(b2, at, this.byCause[by + 1] as Uint8Array);
    at = putBytes(b2, at, this.causeEnd(cause));
    at = putUs(b2, at, endAtUs);
    at = putBytes(b2, at, K_SYNACKS);
    at = putU32(b2, at, synAcks);
    b2[at++] = 0x7d; // }
    b2[at++] = 0x0a; // \n
    this.at = at;
    if (at >= FLUSH_AT) this.flush();
  }

  /** `a.b.c.d:` of a new source address (a client group's addresses change every 64,512 ports). */
  /** An IPv4 address (host order) or an IPv6 one already as text ("[::1]"). */
  private ipText(ip: number | string): void {
    this.lastIp = ip;
    this.lastIpText = enc.encode(
      typeof ip === "string" ? `${ip}:` : `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}:`,
    );
  }

  /** `CAUSE,"endAtMs":` (null included). */
  private causeEnd(cause: ConnRecord["cause"]): Uint8Array {
    let b = this.causeEnds.get(cause);
    if (b === undefined) this.causeEnds.set(cause, (b = enc.encode(`${JSON.stringify(cause)},"endAtMs":`)));
    return b;
  }

  /** A finished record (any names, any source text). */
  write(r: ConnRecord): void {
    this.long(K_ID);
    this.need(32);
    this.int(r.id);
    this.long(K_CLIENT);
    this.long(this.q(r.client));
    this.long(K_SRC);
    this.long(enc.encode(r.src));
    this.long(K_HASH);
    this.need(32);
    this.int(r.hash);
    this.long(K_SYN);
    this.need(32);
    this.ms(r.synAtMs);
    this.long(K_LISTENER);
    this.long(r.listener === null ? NULL : this.q(r.listener));
    this.long(K_MIGRATIONS);
    this.long(r.migrations.length === 0 ? EMPTY : enc.encode(JSON.stringify(r.migrations)));
    this.long(K_FATE);
    this.long(this.q(r.fate));
    this.long(K_BY);
    this.long(r.by === null ? NULL : this.q(r.by));
    this.long(K_CAUSE);
    this.long(r.cause === null ? NULL : this.q(r.cause));
    this.long(K_END);
    this.need(34);
    this.ms(r.endAtMs);
    this.long(K_SYNACKS);
    this.need(32);
    this.int(r.synAcks);
    this.buf[this.at++] = 0x7d; // }
    this.buf[this.at++] = 0x0a; // \n
    if (this.at >= FLUSH_AT) this.flush();
  }

  /** Write out what is buffered. */
  flush(): void {
    let off = 0;
    while (off < this.at) off += writeSync(this.fd, this.buf, off, this.at - off);
    this.at = 0;
  }

  private q(s: string): Uint8Array {
    let b = this.quoted.get(s);
    if (b === undefined) {
      b = quote(s);
      if (this.quoted.size < 65536) this.quoted.set(s, b);
    }
    return b;
  }

  /** Bytes known to fit (the caller made room). */
  private bytes(b: Uint8Array): void {
    this.at = putBytes(this.buf, this.at, b);
  }

  /** Bytes of any length: room is made first. */
  private long(b: Uint8Array): void {
    this.need(b.length);
    this.bytes(b);
  }

  private need(n: number): void {
    if (this.at + n > this.buf.length) this.grow(n);
  }

  /** Make room for `need` more bytes past what is buffered (a long name or migration list). */
  private grow(need: number): void {
    const n = new Uint8Array(Math.max(this.buf.length, this.at + need + FIXED_ROOM));
    n.set(this.buf.subarray(0, this.at));
    this.buf = n;
  }

  private u32(v: number): void {
    this.at = putU32(this.buf, this.at, v);
  }

  /** A non-negative integer below 2^53, in decimal. */
  private int(v: number): void {
    if (v <= 0xffffffff) {
      this.u32(v);
      return;
    }
    let digits = 0;
    for (let x = v; x >= 1; x = Math.floor(x / 10)) digits++;
    let end = this.at + digits;
    for (let x = v; end > this.at; x = Math.floor(x / 10)) this.buf[--end] = 0x30 + (x % 10);
    this.at += digits;
  }

  /** A time `usToMs(v * 1000)` given in ms. */
  private ms(v: number): void {
    this.us(Math.round(v * 1000));
  }

  private us(us: number): void {
    this.at = putUs(this.buf, this.at, us);
  }
}

/** "00" … "99": two digits per store. */
const PAIRS = ((): Uint8Array => {
  const p = new Uint8Array(200);
  for (let i = 0; i < 100; i++) {
    p[2 * i] = 0x30 + ((i / 10) | 0);
    p[2 * i + 1] = 0x30 + (i % 10);
  }
  return p;
})();

/**
 * `src` at `at` (the caller made room); returns the end. `set` is a call into the runtime
 * (~14 ns here) and a byte loop ~1.3 ns a byte, so only the shortest copies go by loop.
 */
function putBytes(buf: Uint8Array, at: number, src: Uint8Array): number {
  const n = src.length;
  if (n > 10) buf.set(src, at);
  else for (let i = 0; i < n; i++) buf[at + i] = src[i] as number;
  return at + n;
}

/** Decimal digits of `v` (0 to 2^32 - 1). */
function digitsOf(v: number): number {
  if (v < 100000) return v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : 5;
  return v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
}

/** An integer from 0 to 2^32 - 1 in decimal, two digits at a time from the end (`>>> 0` floors). */
function putU32(buf: Uint8Array, at: number, v: number): number {
  const end = at + digitsOf(v);
  let i = end;
  let x = v >>> 0;
  while (x >= 100) {
    const q = (x / 100) >>> 0;
    const r = (x - q * 100) * 2;
    buf[--i] = PAIRS[r + 1] as number;
    buf[--i] = PAIRS[r] as number;
    x = q;
  }
  if (x >= 10) {
    buf[--i] = PAIRS[x * 2 + 1] as number;
    buf[--i] = PAIRS[x * 2] as number;
  } else buf[--i] = 0x30 + x;
  return end;
}

/** Whole µs, printed as JavaScript prints `us / 1000`: up to three decimals, no trailing zeros. */
function putUs(buf: Uint8Array, at: number, us: number): number {
  const whole = us <= 0xffffffff ? (us / 1000) >>> 0 : Math.floor(us / 1000);
  const frac = us - whole * 1000;
  if (whole <= 0xffffffff) at = putU32(buf, at, whole);
  else {
    const s = String(whole); // past 2^32 ms (49 days): beyond the scenario limits
    for (let i = 0; i < s.length; i++) buf[at++] = s.charCodeAt(i);
  }
  if (frac === 0) return at;
  buf[at++] = 0x2e; // .
  buf[at++] = 0x30 + ((frac / 100) | 0);
  if (frac % 100 === 0) return at;
  buf[at++] = 0x30 + (((frac / 10) | 0) % 10);
  if (frac % 10 === 0) return at;
  buf[at++] = 0x30 + (frac % 10);
  return at;
}
