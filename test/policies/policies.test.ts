/**
 * The ten shipped policies: each compiles, Baton's verifier and the kernel's accept it, its
 * in-file tests pass in the VM runtime (interpreter and JIT), and a table of connections
 * and migrations lands where the policy's header says it should.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePolicy, type CompiledPolicy } from "../../src/compiler/index.js";
import { runTests } from "../../src/compiler/test-runner.js";
import { engineByName } from "../../src/vm/engines.js";
import { TCP_ESTABLISHED, TCP_NEW_SYN_RECV } from "../../src/vm/socket.js";
import { batonVerify, kernel, kernelCheck, run } from "../compiler/harness.js";

const DIR = join(import.meta.dirname, "../../policies");
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith(".baton"))
  .sort();
const load = (name: string): CompiledPolicy => {
  const file = join("policies", name.endsWith(".baton") ? name : `${name}.baton`);
  return compilePolicy(readFileSync(join(DIR, "..", file), "utf8"), file);
};

const REQUIRED = [
  "kernel_default",
  "newest_generation",
  "migrate_to_newest",
  "drain_accounting",
  "consistent_hash",
  "cpu_affinity",
  "least_loaded",
  "power_of_two",
  "weighted_canary",
  "shed_on_overload",
];

describe("policies: the set", () => {
  it("ships the ten required policies, each with a header comment and tests", () => {
    for (const n of REQUIRED) expect(FILES).toContain(`${n}.baton`);
    for (const f of FILES) {
      const src = readFileSync(join(DIR, f), "utf8");
      expect(src.startsWith("//"), f).toBe(true);
      expect(load(f).tests.length, f).toBeGreaterThan(0);
    }
  });
});

describe("policies: Baton's verifier accepts", () => {
  it.each(FILES)("%s", (f) => {
    const r = batonVerify(load(f));
    expect(r.error?.message ?? null).toBe(null);
    expect(r.accepted).toBe(true);
  });
});

describe.skipIf(!kernel.available)(
  `policies: the kernel accepts${kernel.available ? "" : ` (skipped: ${kernel.reason})`}`,
  () => {
    it.each(FILES)("%s", async (f) => {
      const k = await kernelCheck(load(f));
      expect(k.accepted, k.log.slice(-1000)).toBe(true);
    });
  },
);

const ENGINES = ["interp", "jit"].filter((e) => {
  try {
    engineByName(e);
    return true;
  } catch {
    return false;
  }
});

describe("policies: in-file tests", () => {
  const rows = FILES.flatMap((f) =>
    ENGINES.flatMap((eng) => load(f).tests.map((t) => [`${f} [${eng}] ${t.name}`, f, eng, t.name] as const)),
  );
  it.each(rows)("%s", (_, f, eng, name) => {
    const p = load(f);
    const r = runTests(p, engineByName(eng)).find((x) => x.name === name)!;
    expect(r.failures.map((x) => `${x.span.line}: ${x.message}`)).toEqual([]);
    expect(r.passed).toBe(true);
  });
});

describe("policies: where connections go", () => {
  it("kernel_default passes everything to the kernel", () => {
    const p = load("kernel_default");
    for (const hash of [0, 1, 0xffffffff]) {
      expect(run(p, { hash })).toMatchObject({ ret: 1, selected: null });
      expect(run(p, { hash, migrating: { state: TCP_NEW_SYN_RECV } })).toMatchObject({ ret: 1, selected: null });
    }
  });

  it("newest_generation uses only the newest generation's listeners", () => {
    const p = load("newest_generation");
    const maps = {
      generation: [[0, 1]],
      workers: [
        [0, 2],
        [1, 3],
      ],
      listeners: [
        [0, 1],
        [1, 2],
        [8, 81],
        [9, 82],
        [10, 83],
      ],
    } as const;
    const seen = new Set<bigint | null>();
    for (let hash = 0; hash < 30; hash++) seen.add(run(p, { hash, maps: maps as never }).selected);
    expect([...seen].sort()).toEqual([81n, 82n, 83n]);
  });

  it("migrate_to_newest moves requests and children to generation 2, leaves new connections alone", () => {
    const p = load("migrate_to_newest");
    const maps = {
      generation: [[0, 2]],
      workers: [[2, 2]],
      listeners: [
        [16, 201],
        [17, 202],
        [0, 1],
      ],
    } as never;
    expect(run(p, { hash: 4, maps, migrating: { state: TCP_NEW_SYN_RECV } }).selected).toBe(201n);
    expect(run(p, { hash: 5, maps, migrating: { state: TCP_ESTABLISHED } }).selected).toBe(202n);
    expect(run(p, { hash: 5, maps })).toMatchObject({ ret: 1, selected: null });
  });

  it("drain_accounting counts selections per cookie and migrations per closing listener", () => {
    const p = load("drain_accounting");
    const maps = {
      count: [[0, 2]],
      listeners: [
        [0, 11],
        [1, 12],
      ],
      cookies: [
        [0, 11],
        [1, 12],
      ],
    } as never;
    const r = run(p, { hash: 3, maps });
    expect(r.selected).toBe(12n);
    expect(r.read("selected", 12n)).toBe(1n);
    expect(r.read("selected", 11n)).toBe(null);
    const m = run(p, { hash: 3, listenerCookie: 55n, migrating: { state: TCP_NEW_SYN_RECV } });
    expect(m).toMatchObject({ ret: 1, selected: null });
    expect(m.read("migrated_from", 55n)).toBe(1n);
  });

  it("consistent_hash spreads connections and moves only the removed listener's share", () => {
    const p = load("consistent_hash");
    const listeners = [
      [0, 100],
      [1, 101],
      [2, 102],
      [3, 103],
    ] as [number, number][];
    const with4 = new Map<number, bigint | null>();
    const counts = new Map<bigint | null, number>();
    for (let i = 0; i < 400; i++) {
      const hash = (i * 2654435761) >>> 0;
      const s = run(p, { hash, maps: { count: [[0, 4]], listeners } }).selected;
      with4.set(hash, s);
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    for (const c of [100n, 101n, 102n, 103n]) expect(counts.get(c) ?? 0).toBeGreaterThan(50);
    for (const [hash, before] of with4) {
      const after = run(p, { hash, maps: { count: [[0, 3]], listeners } }).selected;
      if (before !== 103n) expect(after).toBe(before);
      else expect(after).not.toBe(103n);
    }
  });

  it("cpu_affinity selects the CPU's listener or leaves it to the kernel", () => {
    const p = load("cpu_affinity");
    const maps = {
      by_cpu: [
        [0, 70],
        [1, 71],
      ],
    } as never;
    expect(run(p, { cpu: 0, maps }).selected).toBe(70n);
    expect(run(p, { cpu: 1, maps }).selected).toBe(71n);
    expect(run(p, { cpu: 5, maps })).toMatchObject({ ret: 1, selected: null });
  });

  it("least_loaded picks the minimum published load", () => {
    const p = load("least_loaded");
    const listeners = [
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
    ] as never;
    expect(
      run(p, {
        maps: {
          count: [[0, 4]],
          listeners,
          load: [
            [0, 9],
            [1, 9],
            [2, 1],
            [3, 5],
          ],
        },
      }).selected,
    ).toBe(3n);
    expect(
      run(p, {
        maps: {
          count: [[0, 2]],
          listeners,
          load: [
            [0, 9],
            [1, 8],
            [2, 0],
            [3, 0],
          ],
        },
      }).selected,
    ).toBe(2n);
  });

  it("power_of_two prefers less loaded workers", () => {
    const p = load("power_of_two");
    const maps = {
      count: [[0, 3]],
      listeners: [
        [0, 1],
        [1, 2],
        [2, 3],
      ],
      load: [
        [0, 0],
        [1, 100],
        [2, 200],
      ],
    } as never;
    const counts = new Map<bigint | null, number>();
    for (let seed = 1; seed <= 300; seed++) {
      const s = run(p, { seed, maps }).selected;
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    const [a, b, c] = [counts.get(1n) ?? 0, counts.get(2n) ?? 0, counts.get(3n) ?? 0];
    expect(a + b + c).toBe(300);
    expect(a).toBeGreaterThan(b);
    expect(b).toBeGreaterThan(c);
  });

  it("weighted_canary sends exactly the configured share by hash", () => {
    const p = load("weighted_canary");
    const maps = {
      config: [
        [0, 10],
        [1, 2],
        [2, 1],
      ],
      stable: [
        [0, 1],
        [1, 2],
      ],
      canary: [[0, 9]],
    } as never;
    let canary = 0;
    for (let hash = 0; hash < 1000; hash++) if (run(p, { hash, maps }).selected === 9n) canary++;
    expect(canary).toBe(100);
  });

  it("shed_on_overload drops above the limit, and only half-open migrations", () => {
    const p = load("shed_on_overload");
    const over = { inflight: [[0, 11]], limits: [[0, 10]] } as never;
    const under = { inflight: [[0, 10]], limits: [[0, 10]] } as never;
    expect(run(p, { maps: under }).ret).toBe(1);
    const r = run(p, { maps: over });
    expect(r.ret).toBe(0);
    expect(r.read("shed", 0)).toBe(1n);
    expect(run(p, { maps: over, migrating: { state: TCP_NEW_SYN_RECV } }).ret).toBe(0);
    expect(run(p, { maps: over, migrating: { state: TCP_ESTABLISHED } }).ret).toBe(1);
    expect(run(p, { maps: under, migrating: { state: TCP_NEW_SYN_RECV } }).ret).toBe(1);
  });
});
