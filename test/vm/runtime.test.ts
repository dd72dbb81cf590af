import { describe, expect, it } from "vitest";
import { VmTrap } from "../../src/errors.js";
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_DW,
  BPF_JEQ,
  BPF_JMP,
  BPF_K,
  BPF_LDX,
  BPF_MEM,
  BPF_MOD,
  BPF_MOV,
  BPF_ADD,
  BPF_STX,
  BPF_W,
  BPF_X,
  type Insn,
  makeInsn,
  OP_CALL,
  OP_EXIT,
  OP_LDDW,
  toSlots,
} from "../../src/vm/isa.js";
import { createInterpreter } from "../../src/vm/interpreter.js";
import { createJit } from "../../src/vm/jit/jit.js";
import type { EngineFactory } from "../../src/vm/engine.js";
import { AddressSpace } from "../../src/vm/memory.js";
import { type DataMap, lookupU64, MapTable, type SocketMap, u32Key } from "../../src/vm/maps/index.js";
import { HELPER, SK_DROP, SK_PASS, SK_REUSEPORT } from "../../src/vm/program-type.js";
import { createHelperTable } from "../../src/vm/helpers/table.js";
import { SkReuseportRuntime } from "../../src/vm/reuseport-runtime.js";
import { StaticSocket, TCP_ESTABLISHED, TCP_LISTEN } from "../../src/vm/socket.js";
import { VirtualClock } from "../../src/vm/helpers/index.js";

// tiny assembler over isa.ts constants
const mov64 = (dst: number, imm: number): Insn => makeInsn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
const mov64r = (dst: number, src: number): Insn => makeInsn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src);
const add64 = (dst: number, imm: number): Insn => makeInsn(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, imm);
const mod32 = (dst: number, imm: number): Insn => makeInsn(BPF_ALU | BPF_MOD | BPF_K, dst, 0, 0, imm);
const and64 = (dst: number, imm: number): Insn => makeInsn(BPF_ALU64 | BPF_AND | BPF_K, dst, 0, 0, imm);
const ldxw = (dst: number, src: number, off: number): Insn => makeInsn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off);
const ldxdw = (dst: number, src: number, off: number): Insn => makeInsn(BPF_LDX | BPF_MEM | BPF_DW, dst, src, off);
const stxw = (dst: number, off: number, src: number): Insn => makeInsn(BPF_STX | BPF_MEM | BPF_W, dst, src, off);
const stxdw = (dst: number, off: number, src: number): Insn => makeInsn(BPF_STX | BPF_MEM | BPF_DW, dst, src, off);
const jeq = (dst: number, imm: number, off: number): Insn => makeInsn(BPF_JMP | BPF_JEQ | BPF_K, dst, 0, off, imm);
const ldMap = (dst: number, fd: number): Insn => makeInsn(OP_LDDW, dst, 1, 0, fd);
const call = (id: number): Insn => makeInsn(OP_CALL, 0, 0, 0, id);
const exit = makeInsn(OP_EXIT);

/** select(sockarray fd 3, key = ctx.hash % 4); return SK_PASS */
const hashSelect = toSlots([
  mov64r(6, 1),
  ldxw(2, 1, 32),
  mod32(2, 4),
  stxw(10, -4, 2),
  mov64r(1, 6),
  ldMap(2, 3),
  mov64r(3, 10),
  add64(3, -4),
  mov64(4, 0),
  call(HELPER.sk_select_reuseport),
  mov64(0, SK_PASS),
  exit,
]);

/**
 * Migration policy: NULL migrating_sk → SK_PASS without selection. Otherwise record the
 * child's cookie in array fd 4 slot 0, then select sockarray key get_prandom_u32() & 1.
 * A child in state ESTABLISHED is dropped when array slot 1 holds 1 (a control-plane switch).
 */
const migratePolicy = toSlots([
  mov64r(6, 1),
  ldxdw(7, 6, 48), // r7 = migrating_sk
  jeq(7, 0, 100), // patched below: → pass
  mov64r(1, 7),
  call(HELPER.get_socket_cookie),
  stxdw(10, -16, 0), // value
  mov64(1, 0),
  stxw(10, -4, 1), // key 0
  ldMap(1, 4),
  mov64r(2, 10),
  add64(2, -4),
  mov64r(3, 10),
  add64(3, -16),
  mov64(4, 0),
  call(HELPER.map_update_elem),
  call(HELPER.get_prandom_u32),
  and64(0, 1),
  stxw(10, -4, 0),
  mov64r(1, 6),
  ldMap(2, 3),
  mov64r(3, 10),
  add64(3, -4),
  mov64(4, 0),
  call(HELPER.sk_select_reuseport),
  mov64(0, SK_PASS),
  exit,
  mov64(0, SK_PASS), // pass:
  exit,
]);
// patch the jeq to land on the final "pass" pair
migratePolicy[2] = jeq(7, 0, migratePolicy.length - 2 - 3);

function setup(seed = 1) {
  const maps = new MapTable(new AddressSpace());
  const arr = maps.create({ fd: 3, type: 20, keySize: 4, valueSize: 8, maxEntries: 4 }) as SocketMap;
  const stats = maps.create({ fd: 4, type: 2, keySize: 4, valueSize: 8, maxEntries: 2 }) as DataMap;
  const ls = [0, 1, 2, 3].map((i) => new StaticSocket(BigInt(100 + i), TCP_LISTEN, 1));
  ls.forEach((s, i) => expect(arr.updateSocket(u32Key(i), s, 0)).toBe(0));
  return { maps, arr, stats, ls, seed };
}

const ENGINES: [string, EngineFactory][] = [
  ["interp", createInterpreter],
  ["jit", createJit],
];

describe.each(ENGINES)("SkReuseportRuntime (%s)", (_engineName, engine) => {
  it("hash selection picks socks[hash % 4]; SK_PASS; same result object reused", () => {
    const { maps, ls } = setup();
    const rt = new SkReuseportRuntime({ insns: hashSelect, maps, engine, seed: 1 });
    const first = rt.select({ sk: ls[0]!, migratingSk: null, hash: 6 });
    expect(first.ret).toBe(SK_PASS);
    expect(first.selected).toBe(ls[2]);
    for (let h = 0; h < 8; h++) {
      const r = rt.select({ sk: ls[0]!, migratingSk: null, hash: h });
      expect(r).toBe(first);
      expect(r.selected).toBe(ls[h % 4]);
    }
  });

  it("a failed selection leaves selected null for that run (reset per run)", () => {
    const { maps, arr, ls } = setup();
    const rt = new SkReuseportRuntime({ insns: hashSelect, maps, engine });
    expect(rt.select({ sk: ls[0]!, migratingSk: null, hash: 1 }).selected).toBe(ls[1]);
    arr.delete(u32Key(1));
    const r = rt.select({ sk: ls[0]!, migratingSk: null, hash: 1 });
    expect([r.ret, r.selected]).toEqual([SK_PASS, null]);
  });

  it("migration: reads migrating_sk, writes its cookie into a map, selects by seeded random", () => {
    const { maps, stats, ls } = setup();
    const runs = (seed: number): (StaticSocket | null)[] => {
      const rt = new SkReuseportRuntime({ insns: migratePolicy, maps, engine, seed, clock: new VirtualClock(0) });
      const out: (StaticSocket | null)[] = [];
      for (let i = 0; i < 16; i++) {
        const child = new StaticSocket(BigInt(1000 + i), TCP_ESTABLISHED, null);
        const r = rt.select({ sk: ls[3]!, migratingSk: child, hash: i });
        expect(r.ret).toBe(SK_PASS);
        expect(lookupU64(stats, u32Key(0))).toBe(BigInt(1000 + i));
        out.push(r.selected as StaticSocket | null);
      }
      return out;
    };
    const a = runs(9);
    expect(runs(9)).toEqual(a); // same seed, same choices
    expect(new Set(a).size).toBe(2); // key is 0 or 1
    for (const s of a) expect([ls[0], ls[1]]).toContain(s);
    const rt = new SkReuseportRuntime({ insns: migratePolicy, maps, engine });
    expect(rt.select({ sk: ls[0]!, migratingSk: null, hash: 0 })).toEqual({ ret: SK_PASS, selected: null });
  });

  it("SK_DROP and r0 pass through unchanged", () => {
    const { maps, ls } = setup();
    const rt = new SkReuseportRuntime({ insns: toSlots([mov64(0, SK_DROP), exit]), maps, engine });
    expect(rt.select({ sk: ls[0]!, migratingSk: null, hash: 0 })).toEqual({ ret: SK_DROP, selected: null });
  });

  it("relocation errors surface at construction; helper traps carry the instruction index", () => {
    const { maps, ls } = setup();
    expect(() => new SkReuseportRuntime({ insns: toSlots([ldMap(1, 9), mov64(0, 1), exit]), maps, engine })).toThrow(
      "lddw refers to map fd 9, but no map has that fd (maps: 3, 4)",
    );
    // get_socket_cookie(ctx) — a ctx pointer is not a socket pointer
    const rt = new SkReuseportRuntime({ insns: toSlots([call(HELPER.get_socket_cookie), exit]), maps, engine });
    let err: unknown;
    try {
      rt.select({ sk: ls[0]!, migratingSk: null, hash: 0 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VmTrap);
    expect((err as VmTrap).location).toEqual({ insn: 0 });
    expect((err as VmTrap).message).toMatch(
      /^helper get_socket_cookie: r1 = 0x[0-9a-f]+00000000; expected a socket pointer/,
    );
  });

  it("trace_printk output is collected", () => {
    const { maps, ls } = setup();
    // "hi\0" on the stack: 0x006968
    const prog = toSlots([
      mov64(1, 0x6968),
      stxw(10, -4, 1),
      mov64r(1, 10),
      add64(1, -4),
      mov64(2, 4),
      call(HELPER.trace_printk),
      mov64(0, 1),
      exit,
    ]);
    const rt = new SkReuseportRuntime({ insns: prog, maps, engine });
    rt.select({ sk: ls[0]!, migratingSk: null, hash: 0 });
    rt.select({ sk: ls[0]!, migratingSk: null, hash: 0 });
    expect(rt.trace).toEqual(["hi", "hi"]);
  });

  it("the stack reads as zero at every run: after skb_load_bytes wrote into it, after a read-only helper", () => {
    const { maps, ls } = setup();
    // len > 0: copy 8 packet bytes to r10-16 (skb_load_bytes writes through its argument);
    // len == 0: read r10-16 without writing it (no verifier here: the engines promise zeros).
    const prog = toSlots([
      mov64r(6, 1),
      ldxw(2, 6, 16),
      jeq(2, 0, 8),
      mov64r(1, 6),
      mov64(2, 0),
      mov64r(3, 10),
      add64(3, -16),
      mov64(4, 8),
      call(HELPER.skb_load_bytes),
      mov64(0, 1),
      exit,
      ldxdw(0, 10, -16),
      exit,
    ]);
    const rt = new SkReuseportRuntime({ insns: prog, maps, engine });
    const packet = Uint8Array.from({ length: 8 }, (_, i) => 0x11 * (i + 1));
    for (let i = 0; i < 3; i++) {
      expect(rt.select({ sk: ls[0]!, migratingSk: null, hash: 0, packet }).ret).toBe(1);
      expect(rt.select({ sk: ls[0]!, migratingSk: null, hash: 0 }).ret).toBe(0);
    }
    // A helper that only reads its pointer argument (trace_printk) leaves nothing behind either.
    const after = toSlots([
      mov64(1, 0x6968),
      stxw(10, -4, 1),
      mov64r(1, 10),
      add64(1, -4),
      mov64(2, 4),
      call(HELPER.trace_printk),
      ldxw(0, 10, -8),
      exit,
    ]);
    const rt2 = new SkReuseportRuntime({ insns: after, maps, engine });
    for (let i = 0; i < 3; i++) expect(rt2.select({ sk: ls[0]!, migratingSk: null, hash: 0 }).ret).toBe(0);
  });

  it("only the helpers that store through a pointer argument are marked as writing (skb_load_bytes*, strtol/strtoul, snprintf, loop, for_each_map_elem)", () => {
    const { maps } = setup();
    const rt = new SkReuseportRuntime({ insns: toSlots([mov64(0, 1), exit]), maps, engine });
    const writers = [...createHelperTable(rt.env, SK_REUSEPORT)]
      .filter(([, fn]) => fn.writesArgs !== false)
      .map(([id]) => id)
      .sort((a, b) => a - b);
    expect(writers).toEqual(
      [
        HELPER.skb_load_bytes,
        HELPER.skb_load_bytes_relative,
        HELPER.strtol,
        HELPER.strtoul,
        HELPER.snprintf,
        HELPER.loop,
        HELPER.for_each_map_elem,
      ].sort((a, b) => a - b),
    );
  });
});
