/**
 * The `--ndjson` writer: one connection record per line, the bytes `JSON.stringify(rec)` would
 * give, written straight into a reused buffer and flushed to a file descriptor. A 10,000,000
 * connection run writes ~1.9 GB; building a string per record (stringify, then UTF-8 encoding
 * on write) cost more than the simulation itself. Numbers are written digit by digit: ids and
 * hashes are integers, and times are whole microseconds over 1000 (`usToMs`), which JavaScript
 * prints as the integer part, a point and the fraction without trailing zeros. Strings that
 * repeat (client and listener names, fates, causes) are encoded once; a record with migrations
 * (a small share) has its list written through JSON.stringify.
 */
import { writeSync } from "node:fs";
import type { ConnRecord } from "./sim-result.js";

const FLUSH_AT = 1 << 20;
/** Room for one record: numbers and the src are short; names and migrations are checked. */
const RECORD_ROOM = 512;

const enc = new TextEncoder();
const ascii = (s: string): Uint8Array => enc.encode(s);
const K_ID = ascii('{"id":');
const K_CLIENT = ascii(',"client":');
const K_SRC = ascii(',"src":"');
const K_HASH = ascii('","hash":');
const K_SYN = ascii(',"synAtMs":');
const K_LISTENER = ascii(',"listener":');
const K_MIGRATIONS = ascii(',"migrations":');
const K_FATE = ascii(',"fate":');
const K_BY = ascii(',"by":');
const K_CAUSE = ascii(',"cause":');
const K_END = ascii(',"endAtMs":');
const NULL = ascii("null");
const EMPTY = ascii("[]");

export class NdjsonWriter {
  private buf = new Uint8Array(FLUSH_AT + RECORD_ROOM);
  private at = 0;
  /** JSON text of repeated strings, encoded once. */
  private readonly quoted = new Map<string, Uint8Array>();

  constructor(private readonly fd: number) {}

  write(r: ConnRecord): void {
    this.bytes(K_ID);
    this.int(r.id);
    this.bytes(K_CLIENT);
    this.bytes(this.q(r.client));
    this.bytes(K_SRC);
    this.ascii(r.src);
    this.bytes(K_HASH);
    this.int(r.hash);
    this.bytes(K_SYN);
    this.ms(r.synAtMs);
    this.bytes(K_LISTENER);
    this.bytes(r.listener === null ? NULL : this.q(r.listener));
    this.bytes(K_MIGRATIONS);
    this.bytes(r.migrations.length === 0 ? EMPTY : enc.encode(JSON.stringify(r.migrations)));
    this.bytes(K_FATE);
    this.bytes(this.q(r.fate));
    this.bytes(K_BY);
    this.bytes(r.by === null ? NULL : this.q(r.by));
    this.bytes(K_CAUSE);
    this.bytes(r.cause === null ? NULL : this.q(r.cause));
    this.bytes(K_END);
    this.ms(r.endAtMs);
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
      b = enc.encode(JSON.stringify(s));
      if (this.quoted.size < 65536) this.quoted.set(s, b);
    }
    return b;
  }

  private bytes(b: Uint8Array): void {
    const n = b.length;
    if (this.at + n > this.buf.length) this.grow(n);
    // Keys and names are a few bytes: a loop beats `set`, which is a call into the runtime.
    if (n > 32) this.buf.set(b, this.at);
    else for (let i = 0; i < n; i++) this.buf[this.at + i] = b[i] as number;
    this.at += n;
  }

  /** A long name or migration list: make room (rare). */
  private grow(need: number): void {
    const n = new Uint8Array(this.buf.length + need + RECORD_ROOM);
    n.set(this.buf.subarray(0, this.at));
    this.buf = n;
  }

  /** An ASCII string known not to need escaping ("a.b.c.d:port"). */
  private ascii(s: string): void {
    if (this.at + s.length > this.buf.length) this.grow(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.at++] = s.charCodeAt(i);
  }

  /** A non-negative integer below 2^53, in decimal. */
  private int(v: number): void {
    if (v < 10) {
      this.buf[this.at++] = 0x30 + v;
      return;
    }
    if (v <= 0x7fffffff) {
      // Small integers: int32 division, no float floor.
      let digits = 1;
      for (let x = (v / 10) | 0; x > 0; x = (x / 10) | 0) digits++;
      let end = this.at + digits;
      for (let x = v | 0; end > this.at; x = (x / 10) | 0) this.buf[--end] = 0x30 + (x % 10);
      this.at += digits;
      return;
    }
    let digits = 0;
    for (let x = v; x >= 1; x = Math.floor(x / 10)) digits++;
    let end = this.at + digits;
    for (let x = v; end > this.at; x = Math.floor(x / 10)) this.buf[--end] = 0x30 + (x % 10);
    this.at += digits;
  }

  /** A time `usToMs(us)`: whole µs / 1000, printed as JavaScript prints that number. */
  private ms(v: number): void {
    const us = Math.round(v * 1000);
    const whole = Math.floor(us / 1000);
    const frac = us - whole * 1000;
    this.int(whole);
    if (frac === 0) return;
    // Up to three decimals, without trailing zeros.
    const b = this.buf;
    b[this.at++] = 0x2e; // .
    b[this.at++] = 0x30 + ((frac / 100) | 0);
    if (frac % 100 === 0) return;
    b[this.at++] = 0x30 + (((frac / 10) | 0) % 10);
    if (frac % 10 === 0) return;
    b[this.at++] = 0x30 + (frac % 10);
  }
}
