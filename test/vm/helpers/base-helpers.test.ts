// The base helpers the kernel offers sk_reuseport that Baton's VM runs (strings, snprintf,
// trace_vprintk, ktime_get_tai_ns, bpf_loop) and the trap every other offered helper raises.
// Programs run on the interpreter and the JIT through the sk_reuseport runtime; edge cases
// call the helpers directly.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VmTrap } from "../../../src/errors.js";
import type { CallbackRunner, HelperTable } from "../../../src/vm/helper-abi.js";
import { SubprogramRunner } from "../../../src/vm/helpers/callback-runner.js";
import { createHelperTable, HelperEnv } from "../../../src/vm/helpers/index.js";
import { assemble } from "../../../src/vm/asm/assembler.js";
import { createInterpreter } from "../../../src/vm/interpreter.js";
import { createJit } from "../../../src/vm/jit/jit.js";
import { decode } from "../../../src/vm/isa.js";
import { HELPER_IMPLS, VirtualClock } from "../../../src/vm/helpers/index.js";
import { AddressSpace } from "../../../src/vm/memory.js";
import { MapTable, u32Key, errnoName, type DataMap } from "../../../src/vm/maps/index.js";
import { HELPER, SK_REUSEPORT } from "../../../src/vm/program-type.js";
import { SkReuseportRuntime } from "../../../src/vm/reuseport-runtime.js";
import { StaticSocket } from "../../../src/vm/socket.js";
import type { EngineFactory } from "../../../src/vm/engine.js";
import { kernelHelperName } from "../../../src/verifier/helper-names.js";
import { strtoull } from "../../../src/vm/helpers/strings.js";
import { fixture } from "./fixture.js";
import { ptr, r0, regs } from "./regs.js";

/** `lddw` + `stxdw` lines that put `s` (NUL-padded to 8-byte words) at r10+off. */
function storeStr(off: number, s: string): string {
  const bytes = new Uint8Array(Math.ceil((s.length + 1) / 8) * 8);
  bytes.set(new TextEncoder().encode(s));
  const dv = new DataView(bytes.buffer);
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += 8)
    out.push(`lddw %r9, 0x${dv.getBigUint64(i, true).toString(16)}`, `stxdw [%r10${off + i}], %r9`);
  return out.join("\n");
}

const ENGINES: [string, EngineFactory][] = [
  ["interp", createInterpreter],
  ["jit", createJit],
];

function runtime(
  engine: EngineFactory,
  source: string,
  clock?: VirtualClock,
): { rt: SkReuseportRuntime; out: DataMap } {
  const maps = new MapTable(new AddressSpace());
  const out = maps.create({ fd: 4, type: 2, keySize: 4, valueSize: 32, maxEntries: 1 }) as DataMap;
  const rt = new SkReuseportRuntime({
    insns: decode(assemble(source, "t.s")),
    maps,
    engine,
    ...(clock !== undefined ? { clock } : {}),
  });
  return { rt, out };
}

const input = { sk: new StaticSocket(1n), migratingSk: null, hash: 0 };

/** strtol/strtoul(str, flags) in a program; returns [r0 of the helper, *res low 32 bits]. */
function strtoxProgram(id: number, str: string, len: number, flags: number): string {
  return [
    storeStr(-48, str),
    "mov %r1, %r10",
    "add %r1, -48",
    `mov %r2, ${len}`,
    `mov %r3, ${flags}`,
    "mov %r4, %r10",
    "add %r4, -8",
    `call ${id}`,
    // return (r0 << 16) | (res & 0xffff): both fit for the cases below
    "lsh %r0, 16",
    "ldxdw %r1, [%r10-8]",
    "and %r1, 0xffff",
    "or %r0, %r1",
    "exit",
  ].join("\n");
}

describe.each(ENGINES)("base helpers in programs (%s)", (_name, engine) => {
  it.each([
    [HELPER.strtol, "  -0x1f", 0, 7, -31],
    [HELPER.strtol, "0777 rest", 0, 4, 0o777],
    [HELPER.strtol, "12345", 10, 5, 12345],
    [HELPER.strtoul, "ff", 16, 2, 255],
    [HELPER.strtoul, "  42x", 10, 4, 42],
  ])("helper %i on %j (flags %i) consumes %i bytes and stores %i", (id, str, flags, consumed, value) => {
    const { rt } = runtime(engine, strtoxProgram(id, str, str.length, flags));
    const ret = rt.select(input).ret;
    expect(ret >>> 16).toBe(consumed);
    expect(ret & 0xffff).toBe(value & 0xffff);
  });

  it("strtoul of a negative number and strtol of no digits fail with -EINVAL and store 0", () => {
    for (const [id, str] of [
      [HELPER.strtoul, "-5"],
      [HELPER.strtol, "  x"],
    ] as const) {
      const src = strtoxProgram(id, str, str.length, 0)
        .replace("lsh %r0, 16", "stxdw [%r10-16], %r0")
        .replace("or %r0, %r1", "ldxdw %r0, [%r10-16]\nadd %r0, %r1");
      const { rt } = runtime(engine, src);
      expect(rt.select(input).ret | 0).toBe(-22);
    }
  });

  it("strncmp compares up to s1_sz bytes or the first NUL", () => {
    for (const [a, b, n, want] of [
      ["abc", "abc", 3, 0],
      ["abc", "abd", 3, -1],
      ["abd", "abc", 3, 1],
      ["abcx", "abcy", 3, 0],
      ["ab", "ab", 8, 0],
    ] as const) {
      const src = [
        storeStr(-32, a),
        storeStr(-16, b),
        "mov %r1, %r10",
        "add %r1, -32",
        `mov %r2, ${n}`,
        "mov %r3, %r10",
        "add %r3, -16",
        "call 182",
        "exit",
      ].join("\n");
      expect(runtime(engine, src).rt.select(input).ret | 0).toBe(want);
    }
  });

  it("snprintf formats u64 arguments into a map value, truncates, and returns the full length + 1", () => {
    const src = [
      "mov %r6, 0",
      "stxw [%r10-4], %r6",
      "mov %r2, %r10",
      "add %r2, -4",
      "lddw %r1, map_fd(4)",
      "call 1",
      "jeq %r0, 0, out",
      "mov %r7, %r0",
      storeStr(-32, "n=%d s=%s"),
      storeStr(-48, "xy"),
      "lddw %r9, -42",
      "stxdw [%r10-64], %r9",
      "mov %r9, %r10",
      "add %r9, -48",
      "stxdw [%r10-56], %r9",
      "mov %r1, %r7",
      "mov %r2, 8", // room for 7 characters and the NUL
      "mov %r3, %r10",
      "add %r3, -32",
      "mov %r4, %r10",
      "add %r4, -64",
      "mov %r5, 16",
      "call 165",
      "exit",
      "out:",
      "mov %r0, 0",
      "exit",
    ].join("\n");
    const { rt, out } = runtime(engine, src);
    expect(rt.select(input).ret).toBe("n=-42 s=xy".length + 1);
    const slot = out.lookupSlot(u32Key(0), 0);
    const text = new TextDecoder().decode(out.arena.bytes.subarray(slot * out.stride, slot * out.stride + 8));
    expect(text).toBe("n=-42 s\0");
  });

  it("trace_vprintk appends to the run's trace log", () => {
    const src = [
      storeStr(-32, "%u+%u"),
      "mov %r9, 7",
      "stxdw [%r10-48], %r9",
      "mov %r9, 9",
      "stxdw [%r10-40], %r9",
      "mov %r1, %r10",
      "add %r1, -32",
      "mov %r2, 6",
      "mov %r3, %r10",
      "add %r3, -48",
      "mov %r4, 16",
      "call 177",
      "exit",
    ].join("\n");
    const { rt } = runtime(engine, src);
    expect(rt.select(input).ret).toBe(3);
    expect(rt.env.trace).toEqual(["7+9"]);
  });

  it("ktime_get_tai_ns is boot time plus the wall clock at boot plus 37 s", () => {
    const clock = new VirtualClock(5_000);
    clock.realtimeAtBootNs = 1_000_000;
    const { rt } = runtime(engine, "call 208\nlddw %r1, 37001000000\nsub %r0, %r1\nexit", clock);
    expect(rt.select(input).ret).toBe(5_000);
  });

  it("an offered helper the VM does not run traps with its name", () => {
    const { rt } = runtime(engine, "mov %r0, 0\nmov %r0, 0\ncall 14\nexit");
    let trap: unknown;
    try {
      rt.select(input);
    } catch (e) {
      trap = e;
    }
    expect(trap).toBeInstanceOf(VmTrap);
    expect((trap as VmTrap).code).toBe("vm.helper-unavailable");
    expect((trap as VmTrap).message).toContain("helper bpf_get_current_pid_tgid#14 is not available in Baton's VM");
    expect((trap as VmTrap).location).toEqual({ insn: 2 });
  });

  it("bpf_loop traps while no engine can run callbacks", () => {
    const { rt } = runtime(engine, "mov %r1, 3\nmov %r2, 0\nmov %r3, 0\nmov %r4, 0\ncall 181\nexit");
    expect(() => rt.select(input)).toThrow(
      /bpf_loop#181 is not available in Baton's VM: this engine cannot call a callback/,
    );
  });
});

describe("helper table", () => {
  it("every helper sk_reuseport offers is in the table: run by Baton or trapping with its name", () => {
    const f = fixture();
    for (const [id, proto] of SK_REUSEPORT.helpers) {
      const fn = f.helper(id);
      expect(fn, `bpf_${proto.name}`).toBeDefined();
      if (HELPER_IMPLS.has(id)) continue;
      // Every trap says why, e.g. "(a Baton run has no current task)".
      expect(() => fn(regs(), f.mem)).toThrow(
        new RegExp(`^helper ${kernelHelperName(id)}#${id} is not available in Baton's VM \\(.+\\)$`),
      );
    }
  });

  it("runs these helpers in userspace", () => {
    const ran = [...SK_REUSEPORT.helpers.keys()].filter((id) => HELPER_IMPLS.has(id)).map((id) => kernelHelperName(id));
    expect(ran).toEqual([
      "bpf_map_lookup_elem",
      "bpf_map_update_elem",
      "bpf_map_delete_elem",
      "bpf_ktime_get_ns",
      "bpf_trace_printk",
      "bpf_get_prandom_u32",
      "bpf_get_smp_processor_id",
      "bpf_skb_load_bytes",
      "bpf_get_numa_node_id",
      "bpf_get_socket_cookie",
      "bpf_skb_load_bytes_relative",
      "bpf_sk_select_reuseport",
      "bpf_strtol",
      "bpf_strtoul",
      "bpf_jiffies64",
      "bpf_ktime_get_boot_ns",
      "bpf_ktime_get_coarse_ns",
      "bpf_for_each_map_elem",
      "bpf_snprintf",
      "bpf_trace_vprintk",
      "bpf_loop",
      "bpf_strncmp",
      "bpf_ktime_get_tai_ns",
    ]);
  });
});

/**
 * Programs with real callbacks, run by SubprogramRunner on each engine: the main program's
 * lddw src=4 resolved to function pointers, the callback run in an engine of its own.
 */
describe.each(ENGINES)("callbacks through SubprogramRunner (%s)", (_name, factory) => {
  function run(source: string, setup?: (maps: MapTable) => void): number {
    const mem = new AddressSpace();
    const maps = new MapTable(mem);
    setup?.(maps);
    const env = new HelperEnv({ maps });
    let table: HelperTable = new Map();
    const runner = new SubprogramRunner(decode(assemble(source, "cb.s")), mem, factory, () => table);
    env.callbacks = runner;
    table = createHelperTable(env, SK_REUSEPORT);
    const engine = factory(runner.resolveFunctionPointers(), { mem, helpers: table });
    return engine.run(0, 0, 0);
  }

  /** bpf_loop(5, cb, &sum, 0); cb adds its index to *ctx and stops (returns 1) at index `stop`. */
  const loopProgram = (stop: number): string =>
    [
      "mov %r6, 0",
      "stxdw [%r10-8], %r6",
      "mov %r1, 5",
      "lddw %r2, pseudo(4, 9, 0)", // slot 3: target 3 + 9 + 1 = 13
      "mov %r3, %r10",
      "add %r3, -8",
      "mov %r4, 0",
      "call 181",
      "ldxdw %r1, [%r10-8]",
      "lsh %r0, 16",
      "or %r0, %r1",
      "exit",
      "cb:", // slot 13
      "ldxdw %r3, [%r2+0]",
      "add %r3, %r1",
      "stxdw [%r2+0], %r3",
      "mov %r0, 0",
      `jne %r1, ${stop}, done`,
      "mov %r0, 1",
      "done:",
      "exit",
    ].join("\n");

  it("bpf_loop runs the callback with (index, ctx) and returns the number of calls", () => {
    const ret = run(loopProgram(-1));
    expect([ret >>> 16, ret & 0xffff]).toEqual([5, 0 + 1 + 2 + 3 + 4]);
  });

  it("bpf_loop stops after the callback returns 1", () => {
    const ret = run(loopProgram(2));
    expect([ret >>> 16, ret & 0xffff]).toEqual([3, 0 + 1 + 2]);
  });

  it("bpf_for_each_map_elem passes key and value pointers; the callback sums the values into ctx", () => {
    let handle = 0;
    const src = (h: number): string =>
      [
        "mov %r6, 0",
        "stxdw [%r10-8], %r6",
        `lddw %r1, 0x${h.toString(16)}00000000`, // the map pointer, as a loader resolves map_fd
        "lddw %r2, pseudo(4, 9, 0)", // slot 4: target 4 + 9 + 1 = 14
        "mov %r3, %r10",
        "add %r3, -8",
        "mov %r4, 0",
        "call 164",
        "ldxdw %r1, [%r10-8]",
        "lsh %r0, 16",
        "or %r0, %r1",
        "exit",
        "cb:", // slot 14
        "ldxdw %r5, [%r3+0]",
        "ldxw %r1, [%r2+0]",
        "add %r5, %r1", // value + key
        "ldxdw %r1, [%r4+0]",
        "add %r1, %r5",
        "stxdw [%r4+0], %r1",
        "mov %r0, 0",
        "exit",
      ].join("\n");
    const setup = (maps: MapTable): void => {
      const m = maps.create({ fd: 5, type: 1, keySize: 4, valueSize: 8, maxEntries: 8 }) as DataMap;
      handle = m.handle.id;
      const v = new Uint8Array(8);
      for (const k of [1, 2, 3]) {
        new DataView(v.buffer).setBigUint64(0, BigInt(k * 100), true);
        m.update(u32Key(k), v, 0);
      }
    };
    // The handle id is known only once the map exists: build once to learn it (fresh spaces number alike).
    run("mov %r0, 0\nexit", setup);
    const ret = run(src(handle), setup);
    expect([ret >>> 16, ret & 0xffff]).toEqual([3, 600 + 6]);
  });
});

describe("bpf_loop with a callback runner", () => {
  /** A runner standing in for an engine: the callback counts calls in ctx and stops at `stopAt`. */
  function setup(stopAt: number): { f: ReturnType<typeof fixture>; calls: number[]; ctxSeen: bigint[] } {
    const f = fixture();
    const calls: number[] = [];
    const ctxSeen: bigint[] = [];
    const runner: CallbackRunner = {
      call(fnHi, fnLo, cb) {
        expect([fnHi, fnLo]).toEqual([7, 100]);
        calls.push(cb[2]!);
        ctxSeen.push((BigInt(cb[5]!) << 32n) | BigInt(cb[4]!));
        cb[0] = cb[2] === stopAt ? 1 : 0;
        cb[1] = 0;
      },
    };
    f.env.callbacks = runner;
    return { f, calls, ctxSeen };
  }

  it("calls the callback nr_loops times with (index, ctx) and returns the count", () => {
    const { f, calls, ctxSeen } = setup(-1);
    const r = regs(4, ptr(7, 100), ptr(3, 8), 0);
    f.helper(HELPER.loop)(r, f.mem);
    expect(r0(r)).toBe(4);
    expect(calls).toEqual([0, 1, 2, 3]);
    expect(ctxSeen).toEqual([(3n << 32n) | 8n, (3n << 32n) | 8n, (3n << 32n) | 8n, (3n << 32n) | 8n]);
  });

  it("stops when the callback returns 1 and counts that call", () => {
    const { f, calls } = setup(2);
    const r = regs(10, ptr(7, 100), 0, 0);
    f.helper(HELPER.loop)(r, f.mem);
    expect(r0(r)).toBe(3);
    expect(calls).toEqual([0, 1, 2]);
  });

  it("flags != 0 is -EINVAL and more than 2^23 loops -E2BIG, without any call", () => {
    const { f, calls } = setup(-1);
    const a = regs(1, ptr(7, 100), 0, 1);
    f.helper(HELPER.loop)(a, f.mem);
    expect(errnoName(r0(a))).toBe("-EINVAL");
    const b = regs(8 * 1024 * 1024 + 1, ptr(7, 100), 0, 0);
    f.helper(HELPER.loop)(b, f.mem);
    expect(errnoName(r0(b))).toBe("-E2BIG");
    expect(calls).toEqual([]);
  });
});

describe("bpf_for_each_map_elem with a callback runner", () => {
  /** Fill a hash map with keys → key * 10, and a runner that records (key, value) and adds 1 to the value. */
  function setup(
    type: number,
    stopAtKey: number,
  ): { f: ReturnType<typeof fixture>; map: DataMap; seen: [number, bigint][]; mapArg: number[] } {
    const f = fixture();
    const map = f.maps.create({ fd: 5, type, keySize: 4, valueSize: 8, maxEntries: 4 }) as DataMap;
    const v = new Uint8Array(8);
    for (const k of [3, 1, 2]) {
      new DataView(v.buffer).setBigUint64(0, BigInt(k * 10), true);
      expect(map.update(u32Key(k), v, 0)).toBe(0);
    }
    const seen: [number, bigint][] = [];
    const mapArg: number[] = [];
    f.env.callbacks = {
      call(_h, _l, cb, mem) {
        mapArg.push(cb[3]!, cb[2]!);
        const key = mem.read(cb[5]!, cb[4]!, 4);
        const k = new DataView(key.buffer, key.byteOffset).getUint32(0, true);
        const val = mem.get(cb[7]!)!.view;
        const value = val.getBigUint64(cb[6]!, true);
        seen.push([k, value]);
        val.setBigUint64(cb[6]!, value + 1n, true);
        expect(() => mem.write(cb[5]!, cb[4]!, new Uint8Array(4))).toThrow(/read-only/);
        cb[0] = k === stopAtKey ? 1 : 0;
        cb[1] = 0;
      },
    };
    return { f, map, seen, mapArg };
  }

  it("visits every hash element with its key and a pointer to its value; returns the count", () => {
    const { f, map, seen, mapArg } = setup(1, -1);
    const r = regs(ptr(map.handle.id), ptr(7, 100), 0, 0);
    f.helper(HELPER.for_each_map_elem)(r, f.mem);
    expect(r0(r)).toBe(3);
    expect(seen).toEqual([
      [3, 30n],
      [1, 10n],
      [2, 20n],
    ]);
    expect(mapArg.slice(0, 2)).toEqual([map.handle.id, 0]);
    expect(lookupU64Of(map, 1)).toBe(11n); // the callback wrote through r3
  });

  it("stops after the call that returns 1, counting it; arrays visit every index", () => {
    const { f, map, seen } = setup(1, 1);
    const r = regs(ptr(map.handle.id), ptr(7, 100), 0, 0);
    f.helper(HELPER.for_each_map_elem)(r, f.mem);
    expect(r0(r)).toBe(2);
    expect(seen.map(([k]) => k)).toEqual([3, 1]);
    const a = setup(2, -1);
    const ra = regs(ptr(a.map.handle.id), ptr(7, 100), 0, 0);
    a.f.helper(HELPER.for_each_map_elem)(ra, a.f.mem);
    expect(r0(ra)).toBe(4);
    expect(a.seen).toEqual([
      [0, 0n],
      [1, 10n],
      [2, 20n],
      [3, 30n],
    ]);
  });

  it("flags != 0 is -EINVAL; without a callback runner it traps", () => {
    const { f, map, seen } = setup(1, -1);
    const r = regs(ptr(map.handle.id), ptr(7, 100), 0, 1);
    f.helper(HELPER.for_each_map_elem)(r, f.mem);
    expect(errnoName(r0(r))).toBe("-EINVAL");
    expect(seen).toEqual([]);
    f.env.callbacks = null;
    expect(() => f.helper(HELPER.for_each_map_elem)(regs(ptr(map.handle.id), ptr(7, 100), 0, 0), f.mem)).toThrow(
      /bpf_for_each_map_elem#164 is not available in Baton's VM/,
    );
  });
});

function lookupU64Of(map: DataMap, key: number): bigint {
  const v = map.lookup(u32Key(key));
  if (typeof v === "number") throw new Error(`key ${key}: ${v}`);
  return new DataView(v.buffer, v.byteOffset).getBigUint64(0, true);
}

describe("strtoull (kernel __bpf_strtoull)", () => {
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  it.each([
    ["0x", 0n, 1, 0n], // "0x" without a hex digit: base 8, parses the 0
    ["0x1G", 0n, 3, 1n],
    ["18446744073709551615", 10n, 20, 18446744073709551615n],
  ])("%j (flags %i) → consumed %i, value %i", (s, flags, consumed, value) => {
    const r = strtoull(enc(s), flags);
    expect(typeof r === "number" ? r : [r.consumed, r.value]).toEqual([consumed, value]);
  });

  it.each([
    ["18446744073709551616", 10n, -34], // overflow: -ERANGE
    ["12", 2n, -22], // base 2 is not allowed
    ["12", 0x20n, -22], // flags above the base mask
    ["   ", 0n, -22],
    ["-", 0n, -22],
  ])("%j (flags %i) → %i", (s, flags, errno) => {
    expect(strtoull(enc(s), flags)).toBe(errno);
  });

  it("round-trips every u64 written in base 8, 10 or 16 (property)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.constantFrom(8, 10, 16),
        fc.boolean(),
        (v, base, prefix) => {
          const text = (base === 16 && prefix ? "0x" : "") + v.toString(base);
          const r = strtoull(enc(`${text} tail`), BigInt(base));
          expect(r).toEqual({ value: v, negative: false, consumed: text.length });
        },
      ),
    );
  });

  it("never consumes more than it was given and never throws (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 80 }), fc.constantFrom(0n, 8n, 10n, 16n), (bytes, flags) => {
        const r = strtoull(bytes, flags);
        if (typeof r === "number") expect([-22, -34]).toContain(r);
        else expect(r.consumed).toBeLessThanOrEqual(bytes.length);
      }),
    );
  });

  it("parses at most 63 bytes after the sign and whitespace", () => {
    const r = strtoull(enc(`  ${"0".repeat(70)}7`), 10n);
    expect(typeof r === "number" ? r : [r.consumed, r.value]).toEqual([2 + 63, 0n]);
  });
});
