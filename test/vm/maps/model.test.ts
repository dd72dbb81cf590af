import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AddressSpace } from "../../../src/vm/memory.js";
import { type HashMap, lookupU32, MapTable, mapKeys, readU32, u32Key, updateU32 } from "../../../src/vm/maps/index.js";

type Op =
  | { op: "update"; key: number; value: number; flags: number }
  | { op: "delete"; key: number }
  | { op: "lookup"; key: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant("update" as const),
    key: fc.integer({ min: 0, max: 7 }),
    value: fc.integer({ min: 0, max: 1000 }),
    flags: fc.integer({ min: 0, max: 3 }),
  }),
  fc.record({ op: fc.constant("delete" as const), key: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant("lookup" as const), key: fc.integer({ min: 0, max: 7 }) }),
);

/** Reference: an exact-LRU (or plain) bounded map with the kernel's error codes. */
function reference(lru: boolean, max: number) {
  const m = new Map<number, number>(); // insertion order = recency order for LRU
  return {
    update(k: number, v: number, flags: number): number {
      if (flags > 2) return -22;
      const has = m.has(k);
      if (has && flags === 1) return -17;
      if (!has && flags === 2) return -2;
      if (!has && m.size >= max) {
        if (!lru) return -7;
        m.delete(m.keys().next().value!);
      }
      if (lru) m.delete(k);
      m.set(k, v);
      return 0;
    },
    delete(k: number): number {
      return m.delete(k) ? 0 : -2;
    },
    lookup(k: number): number | undefined {
      const v = m.get(k);
      if (v !== undefined && lru) {
        m.delete(k);
        m.set(k, v);
      }
      return v;
    },
    keys: () => [...m.keys()],
    get: (k: number) => m.get(k),
  };
}

describe.each([
  ["hash", 1],
  ["lru_hash", 9],
])("%s agrees with a reference model", (_n, type) => {
  it("over random operation sequences", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const t = new MapTable(new AddressSpace());
        const m = t.create({ fd: 3, type, keySize: 4, valueSize: 4, maxEntries: 4 }) as HashMap;
        const ref = reference(type === 9, 4);
        for (const o of ops) {
          if (o.op === "update")
            expect(updateU32(m, u32Key(o.key), o.value, o.flags)).toBe(ref.update(o.key, o.value, o.flags));
          else if (o.op === "delete") expect(m.delete(u32Key(o.key))).toBe(ref.delete(o.key));
          else {
            // a program lookup (refreshes LRU recency)
            const slot = m.lookupSlot(u32Key(o.key), 0);
            const want = ref.lookup(o.key);
            expect(slot < 0 ? undefined : readU32(m.arena.bytes, slot * m.stride)).toBe(want);
          }
        }
        const keys = ref.keys();
        expect(m.size).toBe(keys.length);
        for (const k of keys) expect(lookupU32(m, u32Key(k))).toBe(ref.get(k));
        if (type === 9) expect(m.recencyOrder().map((k) => readU32(k, 0))).toEqual(keys);
        expect(mapKeys(m).length).toBe(keys.length);
      }),
    );
  });
});
