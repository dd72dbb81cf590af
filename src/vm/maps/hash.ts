/**
 * BPF_MAP_TYPE_HASH and BPF_MAP_TYPE_LRU_HASH (kernel/bpf/hashtab.c), preallocated: a fixed
 * pool of max_entries value slots in one arena region, a JS Map from key to slot, a free list.
 *
 * HASH: a full map refuses a new key with -E2BIG (`alloc_htab_elem`: the prealloc free list is
 * empty); replacing an existing key always works (the kernel keeps spare per-CPU elements).
 * LRU_HASH: a full map evicts the least recently used entry instead. Approximation: the kernel
 * keeps per-CPU free lists and active/inactive lists with reference bits, rotated lazily, so
 * it evicts an *approximately* old entry (and may evict while not yet full); Baton keeps one
 * exact recency list. A program lookup or update makes an entry most recent; control-plane
 * lookups do not (`htab_lru_map_lookup_elem_sys` does not set the reference bit). An update
 * of an existing key is done in place (the kernel pops a fresh node first, which can evict
 * another entry even when the update then fails its BPF_NOEXIST/BPF_EXIST check).
 * Iteration order (getNextKey) is insertion order, not the kernel's bucket order.
 * Omitted: per-CPU hashes, BPF_F_LOCK, non-preallocated growth.
 */
import type { AddressSpace } from "../memory.js";
import { ArenaMap } from "./map-base.js";
import type { MapSpec } from "../map-spec.js";
import { BPF_MAP_TYPE_LRU_HASH } from "../program-type.js";
import { E2BIG, EEXIST, EINVAL, ENOENT } from "./errno.js";
import { BPF_EXIST, BPF_NOEXIST, type DataMap, type JsKey, jsKey } from "./types.js";

export class HashMap extends ArenaMap implements DataMap {
  readonly lru: boolean;

  /** key → slot, in insertion order. */
  private readonly index = new Map<JsKey, number>();
  /** Key bytes per slot (for iteration). */
  private readonly keys: Uint8Array;
  /** Free slots, a stack. */
  private readonly free: Int32Array;
  private nFree: number;
  /** LRU recency list over slots: head = least recent, tail = most recent. */
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private head = -1;
  private tail = -1;
  /** The JS key of each used slot (to unindex an evicted slot). */
  private readonly slotKey: (JsKey | undefined)[];

  constructor(spec: MapSpec, mem: AddressSpace) {
    super(spec, mem);
    this.lru = spec.type === BPF_MAP_TYPE_LRU_HASH;
    this.keys = new Uint8Array(spec.keySize * spec.maxEntries);
    this.free = new Int32Array(spec.maxEntries);
    for (let i = 0; i < spec.maxEntries; i++) this.free[i] = spec.maxEntries - 1 - i; // pop slot 0 first
    this.nFree = spec.maxEntries;
    this.prev = new Int32Array(spec.maxEntries).fill(-1);
    this.next = new Int32Array(spec.maxEntries).fill(-1);
    this.slotKey = new Array<JsKey | undefined>(spec.maxEntries);
  }

  /** Number of entries. */
  get size(): number {
    return this.index.size;
  }

  lookupSlot(bytes: Uint8Array, off: number): number {
    const slot = this.index.get(jsKey(bytes, off, this.keySize));
    if (slot === undefined) return -1;
    if (this.lru) this.touch(slot);
    return slot;
  }

  updateFrom(kbytes: Uint8Array, koff: number, vbytes: Uint8Array, voff: number, flags: number): number {
    // hashtab.c:htab_map_update_elem / htab_lru_map_update_elem: flags, then existence checks.
    if (flags > BPF_EXIST || flags < 0) return -EINVAL;
    const k = jsKey(kbytes, koff, this.keySize);
    let slot = this.index.get(k);
    if (slot !== undefined) {
      if (flags === BPF_NOEXIST) return -EEXIST;
    } else {
      if (flags === BPF_EXIST) return -ENOENT;
      if (this.nFree === 0) {
        if (!this.lru) return -E2BIG;
        this.remove(this.head); // evict the least recently used entry
      }
      slot = this.free[--this.nFree]!;
      this.index.set(k, slot);
      this.slotKey[slot] = k;
      this.keys.set(kbytes.subarray(koff, koff + this.keySize), slot * this.keySize);
      if (this.lru) this.append(slot);
    }
    if (this.lru) this.touch(slot);
    const at = slot * this.stride;
    this.arena.bytes.set(vbytes.subarray(voff, voff + this.valueSize), at);
    return 0;
  }

  deleteAt(bytes: Uint8Array, off: number): number {
    const slot = this.index.get(jsKey(bytes, off, this.keySize));
    if (slot === undefined) return -ENOENT;
    this.remove(slot);
    return 0;
  }

  lookup(key: Uint8Array): Uint8Array | number {
    const slot = this.index.get(jsKey(key, 0, this.keySize));
    if (slot === undefined) return -ENOENT;
    return this.valueAt(slot);
  }

  getNextKey(key: Uint8Array | null): Uint8Array | number {
    // htab_map_get_next_key: an absent key restarts at the first entry.
    const want = key === null ? undefined : jsKey(key, 0, this.keySize);
    let found = want === undefined || !this.index.has(want);
    for (const [k, slot] of this.index) {
      if (found) return this.keys.slice(slot * this.keySize, (slot + 1) * this.keySize);
      if (k === want) found = true;
    }
    return -ENOENT;
  }

  /** Keys from least to most recently used (LRU maps; tests and diagnostics). */
  recencyOrder(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let s = this.head; s >= 0; s = this.next[s]!)
      out.push(this.keys.slice(s * this.keySize, (s + 1) * this.keySize));
    return out;
  }

  private append(slot: number): void {
    this.prev[slot] = this.tail;
    this.next[slot] = -1;
    if (this.tail >= 0) this.next[this.tail] = slot;
    else this.head = slot;
    this.tail = slot;
  }

  private touch(slot: number): void {
    if (this.tail === slot) return;
    this.detach(slot);
    this.append(slot);
  }

  private detach(slot: number): void {
    const p = this.prev[slot]!;
    const n = this.next[slot]!;
    if (p >= 0) this.next[p] = n;
    else this.head = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail = p;
  }

  /** Remove a used slot from the index (and the recency list) and free it. */
  private remove(slot: number): void {
    if (this.lru) this.detach(slot);
    const k = this.slotKey[slot];
    if (k !== undefined) this.index.delete(k);
    this.slotKey[slot] = undefined;
    this.free[this.nFree++] = slot;
    this.arena.bytes.fill(0, slot * this.stride, (slot + 1) * this.stride);
  }
}
