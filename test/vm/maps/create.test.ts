import { describe, expect, it } from "vitest";
import { AddressSpace } from "../../../src/vm/memory.js";
import { checkMapSpec, errnoName, MapCreateError, MapTable } from "../../../src/vm/maps/index.js";
import type { MapSpec } from "../../../src/vm/map-spec.js";

const ok = null;
// [type, keySize, valueSize, maxEntries, flags, expected errno name or null]
const cases: [number, number, number, number, number, string | null][] = [
  [2, 4, 8, 4, 0, ok],
  [2, 8, 8, 4, 0, "-EINVAL"], // array key must be 4
  [2, 4, 0, 4, 0, "-EINVAL"],
  [2, 4, 8, 0, 0, "-EINVAL"],
  [2, 4, 8, 4, 1, "-EINVAL"], // BPF_F_NO_PREALLOC not for arrays
  [2, 4, 8, 1 << 24, 0, "-E2BIG"],
  [1, 4, 8, 4, 0, ok],
  [1, 0, 8, 4, 0, "-EINVAL"],
  [1, 4, 0, 4, 0, "-EINVAL"],
  [1, 4, 8, 0, 0, "-EINVAL"],
  [1, 513, 8, 4, 0, ok], // checked on Linux 6.18: hash keys may exceed MAX_BPF_STACK
  [1, 16, 8, 4, 1, ok], // NO_PREALLOC accepted for hash
  [1, 4, 8, 4, 2, "-EINVAL"], // NO_COMMON_LRU needs lru
  [1, 4, 8, 4, 1 << 12, "-EINVAL"],
  [9, 4, 8, 4, 0, ok],
  [9, 4, 8, 4, 2, ok],
  [9, 4, 8, 4, 1, "-ENOTSUPP"],
  [20, 4, 4, 4, 0, ok],
  [20, 4, 8, 4, 0, ok],
  [20, 4, 2, 4, 0, "-EINVAL"],
  [20, 8, 8, 4, 0, "-EINVAL"],
  [20, 4, 8, 0, 0, "-EINVAL"],
  [15, 4, 8, 4, 0, ok],
  [15, 4, 16, 4, 0, "-EINVAL"],
  [15, 8, 8, 4, 0, "-EINVAL"],
  [18, 12, 4, 4, 0, ok],
  [18, 0, 4, 4, 0, "-EINVAL"],
  [18, 4, 0, 4, 0, "-EINVAL"],
  [18, 4, 8, 0, 0, "-EINVAL"],
  [18, 600, 8, 4, 0, "-E2BIG"],
  [3, 4, 4, 4, 0, "-EINVAL"], // prog array: unsupported
];

describe("map creation (BPF_MAP_CREATE checks)", () => {
  it.each(cases)(
    "type %i key %i value %i max %i flags %i → %s",
    (type, keySize, valueSize, maxEntries, flags, want) => {
      const p = checkMapSpec({ fd: 3, type, keySize, valueSize, maxEntries, flags });
      expect(p === null ? null : errnoName(p.errno)).toBe(want);
    },
  );

  it("MapTable.create throws MapCreateError with the field, the expectation and the errno", () => {
    const t = new MapTable(new AddressSpace());
    const spec: MapSpec = { fd: 4, name: "backends", type: 2, keySize: 8, valueSize: 8, maxEntries: 4 };
    expect(() => t.create(spec)).toThrow(MapCreateError);
    expect(() => t.create(spec)).toThrow(
      "cannot create map fd 4 (backends): key_size 8 for an array; expected 4 (a u32 index) (-EINVAL)",
    );
    try {
      t.create(spec);
    } catch (e) {
      expect((e as MapCreateError).errno).toBe(-22);
      expect((e as MapCreateError).code).toBe("map.create");
    }
  });

  it("a second map with the same fd is refused", () => {
    const t = new MapTable(new AddressSpace());
    t.create({ fd: 3, type: 2, keySize: 4, valueSize: 4, maxEntries: 1 });
    expect(() => t.create({ fd: 3, type: 1, keySize: 4, valueSize: 4, maxEntries: 1 })).toThrow(
      "cannot create map fd 3: fd 3 is already map map3 (-EBUSY)",
    );
  });

  it("each map gets a zero-size handle region and data maps an arena of max × round8(value_size)", () => {
    const mem = new AddressSpace();
    const t = new MapTable(mem);
    const a = t.create({ fd: 3, type: 2, keySize: 4, valueSize: 12, maxEntries: 5 });
    const s = t.create({ fd: 4, type: 20, keySize: 4, valueSize: 8, maxEntries: 5 });
    expect(a.handle.size).toBe(0);
    expect(s.handle.size).toBe(0);
    expect(a.kind === "data" && a.arena.size).toBe(80);
    expect(t.byHandle(a.handle.id)).toBe(a);
    expect(t.byHandle(s.handle.id)).toBe(s);
    expect(t.fds()).toEqual([3, 4]);
  });
});
