/**
 * Clients whose SYN was dropped and who wait to send it again, as rows of typed arrays
 * instead of connection objects and queued events: a burst that overflows the queues leaves
 * millions of them at once (about 330 bytes each as objects, set entries and heap events;
 * 14 bytes here). Such a client has no server state yet, so a row needs only its id, its
 * client group, its arrival number in that group (from which the simulator derives address,
 * port, hash and first-SYN time) and the event sequence number reserved when it was parked.
 * There is one FIFO per SYN count: a client that has sent k SYNs resends at
 * now + 2^(k-1) s, so within one count the rows are parked in the order they are due, and only
 * each FIFO's head needs an event in the simulator's heap. Rows live in fixed-size chunks, so
 * a FIFO never copies or over-allocates by doubling.
 */
import { ModelError } from "../errors.js";

const CHUNK = 1 << 14;

class Chunk {
  readonly id = new Uint32Array(CHUNK);
  readonly group = new Uint16Array(CHUNK);
  readonly index = new Uint32Array(CHUNK);
  /** Below 2^32: the scenario limits bound a run's events far lower (checked in `park`). */
  readonly seq = new Uint32Array(CHUNK);
}

/** A FIFO of parked rows in chunks: rows `head` .. `tail` of `chunks` (offsets within chunks). */
class RowFifo {
  readonly chunks: Chunk[] = [];
  head = 0;
  tail = 0;
  get length(): number {
    return this.tail - this.head;
  }
}

/** Fields of a row read by `front` or `rows`. */
export interface ParkedRow {
  id: number;
  group: number;
  index: number;
  seq: number;
  /** SYNs sent so far (the FIFO it was in). */
  tries: number;
}

export class SynRetries {
  private readonly fifos: RowFifo[] = [];
  private used = 0;
  /** Spare chunks, reused before allocating. */
  private readonly spare: Chunk[] = [];

  get size(): number {
    return this.used;
  }

  /** Park a client that has sent `tries` SYNs; true if its FIFO was empty (it is the head). */
  park(tries: number, id: number, group: number, index: number, seq: number): boolean {
    let f = this.fifos[tries];
    if (f === undefined) {
      for (let k = this.fifos.length; k <= tries; k++) this.fifos.push(new RowFifo());
      f = this.fifos[tries] as RowFifo;
    }
    const at = f.tail % CHUNK;
    if (at === 0) f.chunks.push(this.spare.pop() ?? new Chunk());
    const c = f.chunks[f.chunks.length - 1] as Chunk;
    if (seq > 0xffffffff) {
      throw new ModelError(
        "model.too-many-events",
        `the run reached event ${seq}; at most 2^32 events fit (lower the scenario's counts or duration)`,
      );
    }
    c.id[at] = id;
    c.group[at] = group;
    c.index[at] = index;
    c.seq[at] = seq;
    f.tail++;
    this.used++;
    return f.tail - f.head === 1;
  }

  /** The head of FIFO `tries` into `out`; false when it is empty. */
  front(tries: number, out: ParkedRow): boolean {
    const f = this.fifos[tries];
    if (f === undefined || f.length === 0) return false;
    const c = f.chunks[0] as Chunk;
    const at = f.head % CHUNK;
    out.id = c.id[at] as number;
    out.group = c.group[at] as number;
    out.index = c.index[at] as number;
    out.seq = c.seq[at] as number;
    out.tries = tries;
    return true;
  }

  /** Drop the head of FIFO `tries` (after `front`). */
  shift(tries: number): void {
    const f = this.fifos[tries] as RowFifo;
    f.head++;
    this.used--;
    if (f.head % CHUNK === 0 || f.head === f.tail) {
      // The first chunk is used up (or the FIFO is empty): recycle it.
      const done = f.chunks.splice(0, f.head === f.tail ? f.chunks.length : 1);
      for (const c of done) if (this.spare.length < 4) this.spare.push(c);
      f.tail -= f.head;
      f.head = 0;
    }
  }

  /** Record where each parked row is: `pos[id]` its row in its FIFO, `tag[id]` its SYN count (≥ 1). */
  indexInto(pos: Int32Array, tag: Uint8Array): void {
    this.fifos.forEach((f, k) => {
      for (let r = f.head; r < f.tail; r++) {
        const id = (f.chunks[Math.floor(r / CHUNK)] as Chunk).id[r % CHUNK] as number;
        pos[id] = r;
        tag[id] = k;
      }
    });
  }

  /** Row `r` of FIFO `tries` (as `indexInto` gave them) into `out`. */
  read(tries: number, r: number, out: ParkedRow): void {
    const c = (this.fifos[tries] as RowFifo).chunks[Math.floor(r / CHUNK)] as Chunk;
    const at = r % CHUNK;
    out.id = c.id[at] as number;
    out.group = c.group[at] as number;
    out.index = c.index[at] as number;
    out.seq = c.seq[at] as number;
    out.tries = tries;
  }

  /**
   * Visit every parked row in ascending id order (ids below `idLimit`), through `out`. Linear:
   * an index by id (5 bytes an id) instead of a sort, since millions may still wait at the end.
   */
  eachById(idLimit: number, out: ParkedRow, visit: () => void): void {
    if (this.used === 0) return;
    const pos = new Int32Array(idLimit);
    const tag = new Uint8Array(idLimit);
    this.indexInto(pos, tag);
    for (let id = 0; id < idLimit; id++) {
      if (tag[id] === 0) continue;
      this.read(tag[id] as number, pos[id] as number, out);
      visit();
    }
  }
}

/**
 * Clients that got a syncookie SYN-ACK and will never answer it (a SYN flood, `ackDelayMs`
 * null): nothing on the server refers to them and nothing more happens to them, so they wait
 * for the end of the run as 13-byte rows (id, group, arrival number, answering listener, SYN
 * count), not connection objects. Append-only, in fixed-size chunks.
 */
export class InertClients {
  private readonly ids: Uint32Array[] = [];
  private readonly groups: Uint16Array[] = [];
  private readonly indexes: Uint32Array[] = [];
  private readonly listeners: Uint16Array[] = [];
  private readonly tries: Uint8Array[] = [];
  private n = 0;

  get size(): number {
    return this.n;
  }

  add(id: number, group: number, index: number, listener: number, tries: number): void {
    const at = this.n % CHUNK;
    if (at === 0) {
      this.ids.push(new Uint32Array(CHUNK));
      this.groups.push(new Uint16Array(CHUNK));
      this.indexes.push(new Uint32Array(CHUNK));
      this.listeners.push(new Uint16Array(CHUNK));
      this.tries.push(new Uint8Array(CHUNK));
    }
    const c = this.ids.length - 1;
    (this.ids[c] as Uint32Array)[at] = id;
    (this.groups[c] as Uint16Array)[at] = group;
    (this.indexes[c] as Uint32Array)[at] = index;
    (this.listeners[c] as Uint16Array)[at] = listener;
    (this.tries[c] as Uint8Array)[at] = tries;
    this.n++;
  }

  /** `pos[id]` = the row, `tag[id]` = `mark`, for every row. */
  indexInto(pos: Int32Array, tag: Uint8Array, mark: number): void {
    for (let r = 0; r < this.n; r++) {
      const id = (this.ids[Math.floor(r / CHUNK)] as Uint32Array)[r % CHUNK] as number;
      pos[id] = r;
      tag[id] = mark;
    }
  }

  read(r: number, out: ParkedRow): number {
    const c = Math.floor(r / CHUNK);
    const at = r % CHUNK;
    out.id = (this.ids[c] as Uint32Array)[at] as number;
    out.group = (this.groups[c] as Uint16Array)[at] as number;
    out.index = (this.indexes[c] as Uint32Array)[at] as number;
    out.seq = 0;
    out.tries = (this.tries[c] as Uint8Array)[at] as number;
    return (this.listeners[c] as Uint16Array)[at] as number;
  }
}
