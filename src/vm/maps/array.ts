/**
 * BPF_MAP_TYPE_ARRAY (kernel/bpf/arraymap.c): u32 index keys, every element exists from
 * creation (zero-filled), elements cannot be deleted. Values sit in one arena region with a
 * stride of value_size rounded up to 8, as `array_map_alloc` lays them out.
 * Omitted: per-CPU arrays, BPF_F_LOCK updates, mmap-able arrays.
 */
import { ArenaMap } from "./map-base.js";
import { E2BIG, EEXIST, EINVAL, ENOENT } from "./errno.js";
import { BPF_EXIST, BPF_NOEXIST, type DataMap, readU32, u32Key } from "./types.js";

export class ArrayMap extends ArenaMap implements DataMap {
  lookupSlot(bytes: Uint8Array, off: number): number {
    const i = readU32(bytes, off);
    return i < this.maxEntries ? i : -1;
  }

  updateFrom(kbytes: Uint8Array, koff: number, vbytes: Uint8Array, voff: number, flags: number): number {
    // arraymap.c:array_map_update_elem — order of checks: flags, index, NOEXIST.
    if (flags > BPF_EXIST || flags < 0) return -EINVAL;
    const i = readU32(kbytes, koff);
    if (i >= this.maxEntries) return -E2BIG;
    if (flags === BPF_NOEXIST) return -EEXIST; // every element always exists
    this.arena.bytes.set(vbytes.subarray(voff, voff + this.valueSize), i * this.stride);
    return 0;
  }

  deleteAt(_bytes: Uint8Array, _off: number): number {
    return -EINVAL; // array_map_delete_elem: elements cannot be deleted
  }

  lookup(key: Uint8Array): Uint8Array | number {
    const i = this.lookupSlot(key, 0);
    if (i < 0) return -ENOENT;
    return this.valueAt(i);
  }

  getNextKey(key: Uint8Array | null): Uint8Array | number {
    // array_map_get_next_key: an absent or out-of-range key restarts at 0.
    const i = key === null ? this.maxEntries : readU32(key, 0);
    if (i >= this.maxEntries) return u32Key(0);
    if (i === this.maxEntries - 1) return -ENOENT;
    return u32Key(i + 1);
  }
}
