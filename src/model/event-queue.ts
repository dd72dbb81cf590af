/**
 * A binary min-heap of timed events for the simulator, ordered by (time, insertion order):
 * equal times pop in the order they were pushed, which keeps runs byte-identical.
 * Parallel arrays instead of one object per event keep a million-connection run cheap; times,
 * sequence numbers and kinds are typed arrays (25 bytes an event with the object slot), since
 * a flood can leave millions of events queued at once.
 */
export class EventQueue<T> {
  private at = new Float64Array(1024);
  private seq = new Float64Array(1024);
  private kind = new Uint8Array(1024);
  private obj: (T | undefined)[] = [];
  private n = 0;
  private counter = 0;

  get size(): number {
    return this.n;
  }

  /** (a, sa) before (b, sb)? */
  private static before(a: number, sa: number, b: number, sb: number): boolean {
    return a < b || (a === b && sa < sb);
  }

  private place(i: number, at: number, seq: number, kind: number, obj: T | undefined): void {
    this.at[i] = at;
    this.seq[i] = seq;
    this.kind[i] = kind;
    this.obj[i] = obj;
  }

  /** `kind` is a small integer (0-255). */
  push(at: number, kind: number, obj: T): void {
    this.pushSeq(at, this.counter++, kind, obj);
  }

  /**
   * A sequence number for an event that waits outside the heap (in a FIFO of events due in
   * order) and is pushed later with `pushSeq`: it then pops where a `push` now would have.
   */
  reserveSeq(): number {
    return this.counter++;
  }

  pushSeq(at: number, seq: number, kind: number, obj: T): void {
    if (this.n === this.at.length) this.grow();
    let i = this.n++;
    // Sift up by moving parents down into the hole (no swaps).
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!EventQueue.before(at, seq, this.at[p]!, this.seq[p]!)) break;
      this.place(i, this.at[p]!, this.seq[p]!, this.kind[p]!, this.obj[p]);
      i = p;
    }
    this.place(i, at, seq, kind, obj);
  }

  private grow(): void {
    const n = this.at.length * 2;
    const at = new Float64Array(n);
    at.set(this.at);
    this.at = at;
    const seq = new Float64Array(n);
    seq.set(this.seq);
    this.seq = seq;
    const kind = new Uint8Array(n);
    kind.set(this.kind);
    this.kind = kind;
  }

  /** Time of the earliest event (undefined when empty). */
  peekAt(): number | undefined {
    return this.n > 0 ? this.at[0] : undefined;
  }

  /** Remove the earliest event; read it through the returned tuple. */
  pop(): [number, number, T] | undefined {
    if (this.n === 0) return undefined;
    const out: [number, number, T] = [this.at[0]!, this.kind[0]!, this.obj[0] as T];
    const last = --this.n;
    const at = this.at[last]!;
    const seq = this.seq[last]!;
    const kind = this.kind[last]!;
    const obj = this.obj[last];
    this.obj[last] = undefined;
    if (last === 0) return out;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      let m = l;
      if (r < last && EventQueue.before(this.at[r]!, this.seq[r]!, this.at[l]!, this.seq[l]!)) m = r;
      if (!EventQueue.before(this.at[m]!, this.seq[m]!, at, seq)) break;
      this.place(i, this.at[m]!, this.seq[m]!, this.kind[m]!, this.obj[m]);
      i = m;
    }
    this.place(i, at, seq, kind, obj);
    return out;
  }
}
