/**
 * Clients whose SYN was dropped and who wait to send it again, kept as rows of typed arrays
 * instead of connection objects: a flood that overflows the queues leaves millions of them at
 * once (about 330 bytes each as objects and set entries, 27 bytes here). Such a client has no
 * server state yet, so its row holds everything needed to resume it: id, client group, source
 * address and port, hash, first-SYN time and SYN count. Freed rows are reused (a free list).
 */
export class WaitingClients {
  private cap = 0;
  private id = new Uint32Array(0);
  private group = new Uint16Array(0);
  private ip = new Uint32Array(0);
  private port = new Uint16Array(0);
  private hashes = new Uint32Array(0);
  private tries = new Uint8Array(0);
  private synAtUs = new Float64Array(0);
  /** Next free row (-1 ends the list); a row in use holds -2. */
  private next = new Int32Array(0);
  private free = -1;
  private used = 0;

  get size(): number {
    return this.used;
  }

  add(id: number, group: number, ip: number, port: number, hash: number, synAtUs: number, tries: number): number {
    if (this.free < 0) this.grow();
    const r = this.free;
    this.free = this.next[r] as number;
    this.next[r] = -2;
    this.id[r] = id;
    this.group[r] = group;
    this.ip[r] = ip;
    this.port[r] = port;
    this.hashes[r] = hash;
    this.synAtUs[r] = synAtUs;
    this.tries[r] = tries;
    this.used++;
    return r;
  }

  release(r: number): void {
    this.next[r] = this.free;
    this.free = r;
    this.used--;
  }

  idOf(r: number): number {
    return this.id[r] as number;
  }
  groupOf(r: number): number {
    return this.group[r] as number;
  }
  ipOf(r: number): number {
    return this.ip[r] as number;
  }
  portOf(r: number): number {
    return this.port[r] as number;
  }
  hashOf(r: number): number {
    return this.hashes[r] as number;
  }
  synAtOf(r: number): number {
    return this.synAtUs[r] as number;
  }
  triesOf(r: number): number {
    return this.tries[r] as number;
  }

  /** The rows in use, in ascending id order. */
  rowsById(): number[] {
    const rows: number[] = [];
    for (let r = 0; r < this.cap; r++) if (this.next[r] === -2) rows.push(r);
    if (this.cap > 2 ** 26 || rows.some((r) => (this.id[r] as number) >= 2 ** 27)) return rows.sort((a, b) => (this.id[a] as number) - (this.id[b] as number));
    // Sorted as doubles id·2^26 + row (exact below 2^53): a native sort, no comparator calls.
    const keys = Float64Array.from(rows, (r) => (this.id[r] as number) * 2 ** 26 + r).sort();
    return Array.from(keys, (x) => x % 2 ** 26);
  }

  private grow(): void {
    const old = this.cap;
    const cap = Math.max(1024, old * 2);
    const more = <A extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array>(a: A, make: new (n: number) => A): A => {
      const b = new make(cap);
      b.set(a);
      return b;
    };
    this.id = more(this.id, Uint32Array);
    this.group = more(this.group, Uint16Array);
    this.ip = more(this.ip, Uint32Array);
    this.port = more(this.port, Uint16Array);
    this.hashes = more(this.hashes, Uint32Array);
    this.tries = more(this.tries, Uint8Array);
    this.synAtUs = more(this.synAtUs, Float64Array);
    this.next = more(this.next, Int32Array);
    for (let r = cap - 1; r >= old; r--) {
      this.next[r] = this.free;
      this.free = r;
    }
    this.cap = cap;
  }
}
