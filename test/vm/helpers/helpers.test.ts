import { describe, expect, it } from "vitest";
import { VmTrap } from "../../../src/errors.js";
import { HELPER, SK_REUSEPORT } from "../../../src/vm/program-type.js";
import { HELPER_IMPLS, VirtualClock } from "../../../src/vm/helpers/index.js";
import { errnoName, lookupU64, u32Key } from "../../../src/vm/maps/index.js";
import { StaticSocket, TCP_ESTABLISHED } from "../../../src/vm/socket.js";
import { fixture } from "./fixture.js";
import { ptr, r0, r0Big, regs } from "./regs.js";

const call = (f: ReturnType<typeof fixture>, id: number, r: Uint32Array): Uint32Array => {
  f.helper(id)(r, f.mem);
  return r;
};

describe("helper table", () => {
  it("implements every helper the project's policies call (the others trap: base-helpers.test.ts)", () => {
    const used = [
      HELPER.map_lookup_elem,
      HELPER.map_update_elem,
      HELPER.map_delete_elem,
      HELPER.ktime_get_ns,
      HELPER.trace_printk,
      HELPER.get_prandom_u32,
      HELPER.get_smp_processor_id,
      HELPER.skb_load_bytes,
      HELPER.get_numa_node_id,
      HELPER.get_socket_cookie,
      HELPER.skb_load_bytes_relative,
      HELPER.sk_select_reuseport,
      HELPER.jiffies64,
      HELPER.ktime_get_boot_ns,
      HELPER.ktime_get_coarse_ns,
    ];
    expect(used.filter((id) => !SK_REUSEPORT.helpers.has(id) || !HELPER_IMPLS.has(id))).toEqual([]);
  });
});

describe("map helpers", () => {
  it("lookup returns the value's arena address, NULL when absent; update and delete return errno", () => {
    const f = fixture();
    const h = f.maps.create({ fd: 3, type: 1, keySize: 4, valueSize: 8, maxEntries: 2 });
    if (h.kind !== "data") throw new Error();
    const sv = f.scratch.view;
    sv.setUint32(0, 42, true); // key at scratch+0
    sv.setBigUint64(8, 0xdeadbeefn, true); // value at scratch+8
    const map = ptr(h.handle.id);
    const key = ptr(f.scratch.id, 0);
    const val = ptr(f.scratch.id, 8);
    expect(r0(call(f, HELPER.map_lookup_elem, regs(map, key)))).toBe(0);
    expect(errnoName(r0(call(f, HELPER.map_update_elem, regs(map, key, val, 2))))).toBe("-ENOENT");
    expect(r0(call(f, HELPER.map_update_elem, regs(map, key, val, 0)))).toBe(0);
    expect(errnoName(r0(call(f, HELPER.map_update_elem, regs(map, key, val, 1))))).toBe("-EEXIST");
    expect(errnoName(r0(call(f, HELPER.map_update_elem, regs(map, key, val, 3))))).toBe("-EINVAL");
    expect(errnoName(r0(call(f, HELPER.map_update_elem, regs(map, key, val, { hi: 1, lo: 0 }))))).toBe("-EINVAL");
    const r = call(f, HELPER.map_lookup_elem, regs(map, key));
    expect(r[1]).toBe(h.arena.id);
    expect(f.mem.get(r[1]!)!.view.getBigUint64(r[0]!, true)).toBe(0xdeadbeefn);
    expect(lookupU64(h, u32Key(42))).toBe(0xdeadbeefn);
    expect(r0(call(f, HELPER.map_delete_elem, regs(map, key)))).toBe(0);
    expect(errnoName(r0(call(f, HELPER.map_delete_elem, regs(map, key))))).toBe("-ENOENT");
  });

  it("array lookup addresses are slot * round8(value_size); array delete is -EINVAL", () => {
    const f = fixture();
    const a = f.maps.create({ fd: 3, type: 2, keySize: 4, valueSize: 12, maxEntries: 4 });
    f.scratch.view.setUint32(0, 3, true);
    const r = call(f, HELPER.map_lookup_elem, regs(ptr(a.handle.id), ptr(f.scratch.id)));
    expect([r[0], r[1]]).toEqual([48, a.kind === "data" ? a.arena.id : -1]);
    f.scratch.view.setUint32(0, 4, true);
    expect(r0(call(f, HELPER.map_lookup_elem, regs(ptr(a.handle.id), ptr(f.scratch.id))))).toBe(0);
    expect(errnoName(r0(call(f, HELPER.map_delete_elem, regs(ptr(a.handle.id), ptr(f.scratch.id)))))).toBe("-EINVAL");
  });

  it("bad pointers trap with the register, the address and what was expected", () => {
    const f = fixture();
    const a = f.maps.create({ fd: 3, type: 2, keySize: 4, valueSize: 8, maxEntries: 1 });
    const s = f.maps.create({ fd: 4, type: 20, keySize: 4, valueSize: 8, maxEntries: 1 });
    const trap = (fn: () => void): string => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(VmTrap);
        return (e as VmTrap).message;
      }
      return "no trap";
    };
    const h = (n: number): string => n.toString(16);
    expect(trap(() => call(f, HELPER.map_lookup_elem, regs(ptr(f.scratch.id), ptr(f.scratch.id))))).toBe(
      `helper map_lookup_elem: r1 = 0x${h(f.scratch.id)}00000000; expected a map pointer (maps: fd 3 at 0x${h(a.handle.id)}00000000, fd 4 at 0x${h(s.handle.id)}00000000)`,
    );
    expect(trap(() => call(f, HELPER.map_lookup_elem, regs(ptr(s.handle.id), ptr(f.scratch.id))))).toBe(
      `helper map_lookup_elem: r1 = 0x${h(s.handle.id)}00000000; expected a hash, array or lru_hash map, not map fd 4 of type 20`,
    );
    expect(trap(() => call(f, HELPER.map_lookup_elem, regs(ptr(a.handle.id), ptr(f.scratch.id, 62))))).toMatch(
      /^read of 4 bytes at 0x[0-9a-f]+0000003e is outside every region; valid regions: /,
    );
  });
});

describe("time, random, cpu", () => {
  it("clocks follow the virtual clock (coarse = last tick, jiffies from INITIAL_JIFFIES, boot = + suspended)", () => {
    const f = fixture();
    const c: VirtualClock = f.env.clock;
    c.ns = 5_000_000_123 + 2 ** 32;
    c.suspendedNs = 7;
    expect(r0(call(f, HELPER.ktime_get_ns, regs()))).toBe(5_000_000_123 + 2 ** 32);
    expect(r0(call(f, HELPER.ktime_get_boot_ns, regs()))).toBe(5_000_000_130 + 2 ** 32);
    expect(r0(call(f, HELPER.ktime_get_coarse_ns, regs()))).toBe(
      Math.floor((5_000_000_123 + 2 ** 32) / 4_000_000) * 4_000_000,
    );
    c.ns = 8_000_000;
    expect(r0(call(f, HELPER.jiffies64, regs()))).toBe(2 ** 32 - 75_000 + 2);
    c.advance(4_000_000);
    expect(r0(call(f, HELPER.jiffies64, regs()))).toBe(2 ** 32 - 75_000 + 3);
  });

  it("a clock with a source follows it; setting ns pins that time until unpin", () => {
    let t = 10;
    const c = new VirtualClock(0, 250, () => t);
    expect(c.ns).toBe(10);
    t = 8_000_000;
    expect([c.ns, c.coarseNs(), c.jiffies64()]).toEqual([8_000_000, 8_000_000, 2 ** 32 - 75_000 + 2]);
    c.ns = 3;
    t = 99;
    expect(c.ns).toBe(3);
    c.unpin();
    expect(c.ns).toBe(99);
    const plain = new VirtualClock(5);
    plain.advance(2);
    plain.unpin(); // no source: nothing to follow
    expect(plain.ns).toBe(7);
  });

  it("prandom is the seeded sequence; cpu and numa come from the env", () => {
    const a = fixture(7);
    const b = fixture(7);
    const seq = (f: ReturnType<typeof fixture>): number[] =>
      [0, 1, 2].map(() => r0(call(f, HELPER.get_prandom_u32, regs())));
    expect(seq(a)).toEqual(seq(b));
    a.env.cpu = 3;
    a.env.numaNode = 1;
    expect(r0(call(a, HELPER.get_smp_processor_id, regs()))).toBe(3);
    expect(r0(call(a, HELPER.get_numa_node_id, regs()))).toBe(1);
  });
});

describe("get_socket_cookie", () => {
  it("returns the cookie of ctx sk or migrating_sk; anything else traps", () => {
    const f = fixture();
    f.fill({ sk: new StaticSocket(0xaabbccdd_11223344n), migratingSk: new StaticSocket(5n, TCP_ESTABLISHED) });
    expect(r0Big(call(f, HELPER.get_socket_cookie, regs(ptr(f.ctx.skView.id))))).toBe(0xaabbccdd_11223344n);
    expect(r0Big(call(f, HELPER.get_socket_cookie, regs(ptr(f.ctx.migratingView.id))))).toBe(5n);
    expect(() => call(f, HELPER.get_socket_cookie, regs(ptr(f.ctx.skView.id, 4)))).toThrow(
      /^helper get_socket_cookie: r1 = 0x[0-9a-f]+00000004; expected a socket pointer \(ctx sk at 0x[0-9a-f]+ or migrating_sk at 0x[0-9a-f]+\)$/,
    );
    f.fill({ migratingSk: null });
    expect(() => call(f, HELPER.get_socket_cookie, regs(ptr(f.ctx.migratingView.id)))).toThrow(VmTrap);
  });
});

describe("skb_load_bytes and skb_load_bytes_relative", () => {
  const pkt = Uint8Array.from({ length: 40 }, (_, i) => i + 1); // 20-byte IP header, then TCP
  // [helper, offset, len, startHeader, expected ret, expected first bytes copied]
  const cases: [string, number, number, number, string, number[]][] = [
    ["load", 0, 4, 0, "0", [21, 22, 23, 24]],
    ["load", 16, 4, 0, "0", [37, 38, 39, 40]],
    ["load", 17, 4, 0, "-EFAULT", [0, 0, 0, 0]],
    ["load", 0x80000000, 4, 0, "-EFAULT", [0, 0, 0, 0]],
    ["relative", 0, 4, 1, "0", [1, 2, 3, 4]],
    ["relative", 36, 4, 1, "0", [37, 38, 39, 40]],
    ["relative", 37, 4, 1, "-EFAULT", [0, 0, 0, 0]],
    ["relative", 0, 4, 0, "-EFAULT", [0, 0, 0, 0]], // no MAC header
    ["relative", 0, 4, 2, "-EFAULT", [0, 0, 0, 0]],
    ["relative", 0x10000, 4, 1, "-EFAULT", [0, 0, 0, 0]],
  ];
  it.each(cases)("%s off %i len %i hdr %i → %s", (which, off, len, hdr, want, bytes) => {
    const f = fixture();
    f.fill({ packet: pkt, l4Offset: 20 });
    f.scratch.bytes.fill(0xee);
    const id = which === "load" ? HELPER.skb_load_bytes : HELPER.skb_load_bytes_relative;
    const r = call(f, id, regs(ptr(f.ctx.ctx.id), off, ptr(f.scratch.id, 8), len, hdr));
    expect(errnoName(r0(r))).toBe(want);
    expect([...f.scratch.bytes.subarray(8, 8 + len)]).toEqual(bytes);
    expect(f.scratch.bytes[8 + len]).toBe(0xee);
  });

  it("empty packet (migration): every load fails with -EFAULT", () => {
    const f = fixture();
    f.fill({ packet: new Uint8Array(0) });
    expect(errnoName(r0(call(f, HELPER.skb_load_bytes, regs(ptr(f.ctx.ctx.id), 0, ptr(f.scratch.id), 1))))).toBe(
      "-EFAULT",
    );
  });

  it("a non-ctx first argument or an unwritable destination traps", () => {
    const f = fixture();
    f.fill({ packet: pkt });
    expect(() => call(f, HELPER.skb_load_bytes, regs(ptr(f.scratch.id), 0, ptr(f.scratch.id), 4))).toThrow(
      /^helper skb_load_bytes: r1 = 0x[0-9a-f]+; expected the context pointer 0x[0-9a-f]+$/,
    );
    expect(() => call(f, HELPER.skb_load_bytes, regs(ptr(f.ctx.ctx.id), 0, ptr(f.ctx.ctx.id), 4))).toThrow(
      /^write of 4 bytes at .* is in read-only region ctx/,
    );
  });
});
