import { describe, expect, it } from "vitest";
import { AddressSpace } from "../../../src/vm/memory.js";
import {
  type DataMap,
  errnoName,
  HashMap,
  lookupU32,
  lookupU64,
  MapTable,
  mapKeys,
  type SocketMap,
  u32Key,
  u64Key,
  updateU32,
  updateU64,
} from "../../../src/vm/maps/index.js";
import {
  AF_INET6,
  IPPROTO_UDP,
  SOCK_DGRAM,
  StaticSocket,
  TCP_CLOSE,
  TCP_ESTABLISHED,
  TCP_LISTEN,
} from "../../../src/vm/socket.js";

function table(): MapTable {
  return new MapTable(new AddressSpace());
}
const data = (t: MapTable, type: number, keySize: number, valueSize: number, max: number): DataMap => {
  const m = t.create({ fd: 3 + t.list.length, type, keySize, valueSize, maxEntries: max });
  if (m.kind !== "data") throw new Error("expected a data map");
  return m;
};
const sockets = (t: MapTable, type: number, max: number, valueSize = 8, keySize = 4): SocketMap => {
  const m = t.create({ fd: 3 + t.list.length, type, keySize, valueSize, maxEntries: max });
  if (m.kind !== "socket") throw new Error("expected a socket map");
  return m;
};
const name = (r: number | Uint8Array | bigint): string => (typeof r === "number" ? errnoName(r) : "value");

describe("array map", () => {
  // [operation, key, flags, expected]
  const steps: [string, number, number, string][] = [
    ["update", 0, 0, "0"],
    ["update", 1, 2, "0"], // BPF_EXIST: every element exists
    ["update", 1, 1, "-EEXIST"], // BPF_NOEXIST
    ["update", 1, 3, "-EINVAL"],
    ["update", 4, 0, "-E2BIG"],
    ["update", 4, 3, "-EINVAL"], // flags are checked before the index
    ["lookup", 3, 0, "value"],
    ["lookup", 4, 0, "-ENOENT"],
    ["delete", 0, 0, "-EINVAL"],
    ["delete", 9, 0, "-EINVAL"],
  ];
  it.each(steps)("%s key %i flags %i → %s", (op, key, flags, want) => {
    const m = data(table(), 2, 4, 4, 4);
    const k = u32Key(key);
    const r =
      op === "update" ? m.update(k, new Uint8Array([1, 2, 3, 4]), flags) : op === "lookup" ? m.lookup(k) : m.delete(k);
    expect(name(r)).toBe(want);
  });

  it("values start zeroed and round-trip through u32/u64 helpers", () => {
    const t = table();
    const m = data(t, 2, 4, 8, 2);
    expect(lookupU64(m, u32Key(1))).toBe(0n);
    expect(updateU64(m, u32Key(1), 0x1122334455667788n)).toBe(0);
    expect(lookupU64(m, u32Key(1))).toBe(0x1122334455667788n);
    expect(lookupU32(m, u32Key(1))).toBe(0x55667788);
    expect(lookupU32(m, u32Key(2))).toBe(-2);
  });

  it("getNextKey walks 0..max-1 and restarts at 0 for null or out-of-range keys", () => {
    const m = data(table(), 2, 4, 4, 3);
    expect(mapKeys(m).map((k) => k[0])).toEqual([0, 1, 2]);
    expect(m.getNextKey(u32Key(7))).toEqual(u32Key(0));
    expect(m.getNextKey(u32Key(2))).toBe(-2);
  });
});

describe("hash map", () => {
  it("flags, existence and a full map (-E2BIG, replacing still works)", () => {
    const m = data(table(), 1, 4, 4, 2);
    const v = new Uint8Array(4);
    const r = [
      m.update(u32Key(10), v, 2), // EXIST on absent
      m.update(u32Key(10), v, 1), // NOEXIST on absent
      m.update(u32Key(10), v, 1), // NOEXIST on present
      m.update(u32Key(11), v, 0),
      m.update(u32Key(12), v, 0), // full
      m.update(u32Key(11), new Uint8Array([9, 0, 0, 0]), 2), // replace while full
      m.update(u32Key(11), v, 4),
      m.delete(u32Key(12)),
      m.delete(u32Key(10)),
      m.update(u32Key(12), v, 0), // room again
    ].map(errnoName);
    expect(r).toEqual(["-ENOENT", "0", "-EEXIST", "0", "-E2BIG", "0", "-EINVAL", "-ENOENT", "0", "0"]);
    expect(lookupU32(m, u32Key(11))).toBe(9);
    expect(lookupU32(m, u32Key(10))).toBe(-2);
    expect(mapKeys(m).map((k) => k[0])).toEqual([11, 12]);
  });

  it("long keys (16 bytes) are told apart by every byte", () => {
    const m = data(table(), 1, 16, 8, 4);
    const k1 = new Uint8Array(16).fill(1);
    const k2 = k1.slice();
    k2[15] = 2;
    expect(updateU64(m, k1, 5n)).toBe(0);
    expect(updateU64(m, k2, 6n)).toBe(0);
    expect(lookupU64(m, k1)).toBe(5n);
    expect(lookupU64(m, k2)).toBe(6n);
    expect(m.getNextKey(null)).toEqual(k1);
    expect(m.getNextKey(k1)).toEqual(k2);
    expect(m.getNextKey(k2)).toBe(-2);
    expect(m.getNextKey(new Uint8Array(16))).toEqual(k1); // absent key: restart
  });

  it("u64 keys", () => {
    const m = data(table(), 1, 8, 4, 4);
    expect(updateU32(m, u64Key(0xffff_ffff_ffff_fffen), 7)).toBe(0);
    expect(lookupU32(m, u64Key(0xffff_ffff_ffff_fffen))).toBe(7);
    expect(lookupU32(m, u64Key(0xffff_ffff_ffff_ffffn))).toBe(-2);
  });
});

describe("lru hash map", () => {
  it("evicts the least recently used entry; program lookups refresh, control-plane lookups do not", () => {
    const m = data(table(), 9, 4, 4, 3) as HashMap;
    for (const k of [1, 2, 3]) expect(updateU32(m, u32Key(k), k)).toBe(0);
    expect(m.recencyOrder().map((k) => k[0])).toEqual([1, 2, 3]);
    m.lookupSlot(u32Key(1), 0); // program lookup: 1 becomes most recent
    m.lookup(u32Key(2)); // user-space lookup: no change
    expect(m.recencyOrder().map((k) => k[0])).toEqual([2, 3, 1]);
    expect(updateU32(m, u32Key(4), 4)).toBe(0); // evicts 2
    expect(lookupU32(m, u32Key(2))).toBe(-2);
    expect(m.recencyOrder().map((k) => k[0])).toEqual([3, 1, 4]);
    expect(updateU32(m, u32Key(3), 33, 2)).toBe(0); // update refreshes 3
    expect(updateU32(m, u32Key(5), 5, 1)).toBe(0); // evicts 1
    expect(m.recencyOrder().map((k) => k[0])).toEqual([4, 3, 5]);
    expect(m.delete(u32Key(3))).toBe(0);
    expect(m.recencyOrder().map((k) => k[0])).toEqual([4, 5]);
    expect(updateU32(m, u32Key(6), 6)).toBe(0); // free slot, no eviction
    expect(m.recencyOrder().map((k) => k[0])).toEqual([4, 5, 6]);
    expect(m.size).toBe(3);
    expect(updateU32(m, u32Key(5), 0, 1)).toBe(-17);
  });
});

describe("reuseport sockarray (R22)", () => {
  const listener = (cookie: bigint, group: number | null = 1): StaticSocket =>
    new StaticSocket(cookie, TCP_LISTEN, group);
  // [description, socket, key, flags, expected]
  const cases: [string, () => StaticSocket, number, number, string][] = [
    ["listening grouped TCP", () => listener(1n), 0, 0, "0"],
    ["flags 3", () => listener(1n), 0, 3, "-EINVAL"],
    ["index = max", () => listener(1n), 4, 0, "-E2BIG"],
    ["EXIST on empty", () => listener(1n), 0, 2, "-ENOENT"],
    ["not listening (ESTABLISHED)", () => new StaticSocket(1n, TCP_ESTABLISHED, 1), 0, 0, "-EINVAL"],
    ["closed listener", () => new StaticSocket(1n, TCP_CLOSE, 1), 0, 0, "-EINVAL"],
    ["no group", () => listener(1n, null), 0, 0, "-EINVAL"],
    ["protocol 132 (SCTP)", () => new StaticSocket(1n, TCP_LISTEN, 1, 2, 1, 132), 0, 0, "-ENOTSUPP"],
    ["family 1 (unix)", () => new StaticSocket(1n, TCP_LISTEN, 1, 1, 1, 6), 0, 0, "-ENOTSUPP"],
    ["grouped UDP", () => new StaticSocket(1n, TCP_CLOSE, 1, AF_INET6, SOCK_DGRAM, IPPROTO_UDP), 0, 0, "0"],
  ];
  it.each(cases)("%s → %s", (_d, sk, key, flags, want) => {
    const m = sockets(table(), 20, 4);
    expect(errnoName(m.updateSocket(u32Key(key), sk(), flags))).toBe(want);
  });

  it("occupancy, EBUSY across sockarrays, cookie lookup, delete, removeSocket", () => {
    const t = table();
    const a = sockets(t, 20, 4);
    const b = sockets(t, 20, 4);
    const s1 = listener(0x1_0000_0001n);
    const s2 = listener(2n);
    expect(a.updateSocket(u32Key(0), s1, 0)).toBe(0);
    expect(errnoName(a.updateSocket(u32Key(0), s2, 1))).toBe("-EEXIST");
    expect(errnoName(a.updateSocket(u32Key(1), s1, 0))).toBe("-EBUSY"); // same map, other index
    expect(errnoName(b.updateSocket(u32Key(0), s1, 0))).toBe("-EBUSY"); // other sockarray
    expect(a.updateSocket(u32Key(0), s2, 2)).toBe(0); // replace: s1 is released
    expect(b.updateSocket(u32Key(0), s1, 0)).toBe(0);
    expect(a.lookupCookie(u32Key(0))).toBe(2n);
    expect(b.lookup(u32Key(0))).toEqual(new Uint8Array([1, 0, 0, 0, 1, 0, 0, 0]));
    expect(errnoName(a.lookupCookie(u32Key(1)) as number)).toBe("-ENOENT");
    expect(errnoName(a.delete(u32Key(1)))).toBe("-ENOENT");
    expect(errnoName(a.delete(u32Key(9)))).toBe("-E2BIG");
    b.removeSocket(s1);
    expect(b.lookupSocket(u32Key(0), 0)).toBeNull();
    expect(a.updateSocket(u32Key(3), s1, 0)).toBe(0); // free again
    expect(a.delete(u32Key(3))).toBe(0);
    expect(mapKeys(a).map((k) => k[0])).toEqual([0, 1, 2, 3]);
  });

  it("value_size 4: user-space lookup is -ENOSPC (no room for the cookie), even for an empty slot", () => {
    const m = sockets(table(), 20, 2, 4);
    expect(m.updateSocket(u32Key(0), listener(5n), 0)).toBe(0);
    expect(errnoName(m.lookup(u32Key(0)) as number)).toBe("-ENOSPC");
    expect(errnoName(m.lookup(u32Key(1)) as number)).toBe("-ENOSPC");
  });

  it("a socket is never in a sockarray and a sockmap/sockhash at once (-EBUSY both ways)", () => {
    const t = table();
    const arr = sockets(t, 20, 2);
    const sm = sockets(t, 15, 2);
    const sh = sockets(t, 18, 2, 8, 8);
    const a = listener(1n);
    const b = listener(2n);
    expect(arr.updateSocket(u32Key(0), a, 0)).toBe(0);
    expect(errnoName(sm.updateSocket(u32Key(0), a, 0))).toBe("-EBUSY");
    expect(errnoName(sh.updateSocket(u64Key(1n), a, 0))).toBe("-EBUSY");
    expect(sm.updateSocket(u32Key(0), b, 0)).toBe(0);
    expect(sm.updateSocket(u32Key(1), b, 0)).toBe(0);
    expect(sh.updateSocket(u64Key(1n), b, 0)).toBe(0);
    expect(errnoName(arr.updateSocket(u32Key(1), b, 0))).toBe("-EBUSY");
    expect([sm.delete(u32Key(0)), sm.delete(u32Key(1))]).toEqual([0, 0]);
    expect(errnoName(arr.updateSocket(u32Key(1), b, 0))).toBe("-EBUSY"); // still in the sockhash
    expect(sh.delete(u64Key(1n))).toBe(0);
    expect(arr.updateSocket(u32Key(1), b, 0)).toBe(0); // every link gone
  });
});

describe("sockmap and sockhash", () => {
  const cases: [string, () => StaticSocket, string][] = [
    ["listening TCP", () => new StaticSocket(1n, TCP_LISTEN, 1), "0"],
    ["established TCP without group", () => new StaticSocket(1n, TCP_ESTABLISHED, null), "0"],
    ["closed TCP", () => new StaticSocket(1n, TCP_CLOSE, 1), "-EOPNOTSUPP"],
    ["UDP", () => new StaticSocket(1n, TCP_CLOSE, 1, 2, SOCK_DGRAM, IPPROTO_UDP), "0"],
    ["unix family", () => new StaticSocket(1n, TCP_LISTEN, 1, 1), "-EOPNOTSUPP"],
    ["unbound UDP", () => new StaticSocket(1n, TCP_CLOSE, null, 2, SOCK_DGRAM, IPPROTO_UDP), "-EOPNOTSUPP"],
  ];
  it.each(cases)("sockmap: %s → %s", (_d, sk, want) => {
    expect(errnoName(sockets(table(), 15, 2).updateSocket(u32Key(0), sk(), 0))).toBe(want);
  });
  it.each(cases)("sockhash: %s → %s", (_d, sk, want) => {
    expect(errnoName(sockets(table(), 18, 2, 8, 8).updateSocket(u64Key(77n), sk(), 0))).toBe(want);
  });

  it("sockmap error codes", () => {
    const m = sockets(table(), 15, 2);
    const s = new StaticSocket(9n);
    const r = [
      m.updateSocket(u32Key(0), s, 3),
      m.updateSocket(u32Key(2), s, 0),
      m.updateSocket(u32Key(0), s, 2),
      m.updateSocket(u32Key(0), s, 0),
      m.updateSocket(u32Key(1), s, 0), // a socket may sit in several sockmap slots
      m.updateSocket(u32Key(0), s, 1),
      m.delete(u32Key(5)),
      m.delete(u32Key(1)),
      m.delete(u32Key(1)),
    ].map(errnoName);
    expect(r).toEqual(["-EINVAL", "-E2BIG", "-ENOENT", "0", "0", "-EEXIST", "-EINVAL", "0", "-EINVAL"]);
    expect(m.lookupCookie(u32Key(0))).toBe(9n);
  });

  it("sockhash error codes and iteration", () => {
    const m = sockets(table(), 18, 2, 8, 8);
    const s = new StaticSocket(9n);
    const r = [
      m.updateSocket(u64Key(1n), s, 2),
      m.updateSocket(u64Key(1n), s, 0),
      m.updateSocket(u64Key(2n), s, 0),
      m.updateSocket(u64Key(3n), s, 0), // full
      m.updateSocket(u64Key(2n), s, 2), // replace while full
      m.updateSocket(u64Key(2n), s, 1),
      m.delete(u64Key(3n)),
    ].map(errnoName);
    expect(r).toEqual(["-ENOENT", "0", "0", "-E2BIG", "0", "-EEXIST", "-ENOENT"]);
    expect(mapKeys(m)).toEqual([u64Key(1n), u64Key(2n)]);
    m.removeSocket(s);
    expect(mapKeys(m)).toEqual([]);
  });
});

describe("MapTable socket lifecycle", () => {
  it("detachSocket clears sockarrays only; closeSocket clears every socket map", () => {
    const t = table();
    const arr = sockets(t, 20, 2);
    const sm = sockets(t, 15, 2);
    const sh = sockets(t, 18, 2, 8, 8);
    const a = new StaticSocket(1n, TCP_LISTEN, 1);
    const b = new StaticSocket(2n, TCP_LISTEN, 1);
    expect([
      arr.updateSocket(u32Key(0), a, 0),
      sm.updateSocket(u32Key(1), b, 0),
      sh.updateSocket(u64Key(5n), b, 0),
    ]).toEqual([0, 0, 0]);
    t.detachSocket(a);
    t.detachSocket(b);
    expect(arr.lookupSocket(u32Key(0), 0)).toBeNull();
    expect(sm.lookupSocket(u32Key(1), 0)).toBe(b);
    t.closeSocket(b);
    expect(sm.lookupSocket(u32Key(1), 0)).toBeNull();
    expect(sh.lookupSocket(u64Key(5n), 0)).toBeNull();
    expect(arr.updateSocket(u32Key(0), b, 0)).toBe(0); // no links left
  });
});
