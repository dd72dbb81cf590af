/**
 * One listening-hash bucket (lhash2: the listeners on one address and port), head first. The
 * kernel's bucket is an hlist: adding at the head and unlinking any member are O(1). An array
 * with `unshift`/`splice` made both O(bucket size), so N listeners on one port cost O(N²).
 * Here the members are doubly linked through two maps; the lookup reads `head`.
 */
import type { Listener } from "./sockets.js";

export class ListenBucket {
  /** The first socket a lookup finds (R9), or null when empty. */
  head: Listener | null = null;
  private tail: Listener | null = null;
  private readonly next = new Map<Listener, Listener | null>();
  private readonly prev = new Map<Listener, Listener | null>();

  get size(): number {
    return this.next.size;
  }

  /** IPv4 listeners are added at the head (spec §6). */
  addHead(sk: Listener): void {
    const h = this.head;
    this.next.set(sk, h);
    this.prev.set(sk, null);
    if (h !== null) this.prev.set(h, sk);
    else this.tail = sk;
    this.head = sk;
  }

  /** IPv6 SO_REUSEPORT listeners are added at the tail (`__inet_hash`, spec §6). */
  addTail(sk: Listener): void {
    const t = this.tail;
    this.prev.set(sk, t);
    this.next.set(sk, null);
    if (t !== null) this.next.set(t, sk);
    else this.head = sk;
    this.tail = sk;
  }

  /** The member after `sk` (a lookup walking the bucket), or null. */
  after(sk: Listener): Listener | null {
    return this.next.get(sk) ?? null;
  }

  /** Unlink sk; false when it is not a member. */
  remove(sk: Listener): boolean {
    const n = this.next.get(sk);
    if (n === undefined) return false;
    const p = this.prev.get(sk) as Listener | null;
    if (p === null) this.head = n;
    else this.next.set(p, n);
    if (n !== null) this.prev.set(n, p);
    else this.tail = p;
    this.next.delete(sk);
    this.prev.delete(sk);
    return true;
  }

  /** The first member, from the head, that satisfies `pred`. */
  find(pred: (sk: Listener) => boolean): Listener | undefined {
    for (let s = this.head; s !== null; s = this.next.get(s) as Listener | null) if (pred(s)) return s;
    return undefined;
  }

  /** The members, head first. */
  toArray(): Listener[] {
    const out: Listener[] = [];
    for (let s = this.head; s !== null; s = this.next.get(s) as Listener | null) out.push(s);
    return out;
  }
}
