// `baton bench --policy FILE` / `--kernel-pick`: output shapes, usage errors, located load
// errors, and the hook setup itself (every request gets an answer the model allows).
// Figures are wall/CPU time and never asserted beyond "positive and finite".
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { BATCH, buildHookBench, loadHookPolicy } from "../../src/cli/hook-bench.js";
import { engineByName } from "../../src/vm/engines.js";
import type { Engine, EngineFactory } from "../../src/vm/engine.js";

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

const tmp = mkdtempSync(join(tmpdir(), "baton-bench-"));
const write = (name: string, text: string): string => {
  const f = join(tmp, name);
  writeFileSync(f, text);
  return f;
};
const PASS_S = write("pass.s", "mov %r0, 1\nexit\n"); // SK_PASS, no selection
const DROP_S = write("drop.s", "mov %r0, 0\nexit\n"); // SK_DROP
const positive = (x: unknown): void => {
  expect(typeof x).toBe("number");
  expect(Number.isFinite(x) && (x as number) > 0).toBe(true);
};

describe("baton bench --kernel-pick / --policy", () => {
  it("--kernel-pick --json: ns per request, no program, so no hook overhead", async () => {
    const r = await cli(["bench", "--kernel-pick", "--listeners", "8", "--rounds", "1", "--json"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual([
      "ns_per_request",
      "min",
      "max",
      "runs",
      "listeners",
      "engine",
      "hook_overhead_ns",
      "hook_overhead_spread_ns",
    ]);
    positive(j.ns_per_request);
    expect(j).toMatchObject({ listeners: 8, engine: "kernel", hook_overhead_ns: null, hook_overhead_spread_ns: null });
  });

  it.each(["interp", "jit"])(
    "--policy newest_generation.baton --engine %s --json adds engine_ns, hook_overhead_ns and its spread",
    async (engine) => {
      const r = await cli([
        "bench",
        "--policy",
        "policies/newest_generation.baton",
        "--engine",
        engine,
        "--rounds",
        "1",
        "--json",
      ]);
      expect(r.err).toBe("");
      const j = JSON.parse(r.out) as Record<string, unknown>;
      expect(Object.keys(j)).toEqual([
        "ns_per_request",
        "min",
        "max",
        "runs",
        "listeners",
        "engine",
        "engine_ns",
        "hook_overhead_ns",
        "hook_overhead_spread_ns",
      ]);
      positive(j.ns_per_request);
      positive(j.engine_ns);
      expect(j.engine).toBe(engine);
      expect(j.listeners).toBe(16);
      // The overhead is a median of paired differences (not the difference of the two medians),
      // so only its shape is checked: a finite number inside its own quartiles.
      const over = j.hook_overhead_ns as number;
      const [q1, q3] = j.hook_overhead_spread_ns as [number, number];
      expect(Number.isFinite(over)).toBe(true);
      expect(q1).toBeLessThanOrEqual(over + 0.1);
      expect(over).toBeLessThanOrEqual(q3 + 0.1);
    },
  );

  it("text output names the file, the engine and the overhead; .s programs are accepted", async () => {
    const r = await cli(["bench", "--policy", PASS_S, "--rounds", "1", "--clock", "wall"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^.*pass\.s \(interp\), 16 listeners: [\d.]+ ns\/request \(min [\d.]+ – max [\d.]+, 1 round, \d+ requests\)\n {2}program alone [\d.]+ ns\/run; hook overhead -?[\d.]+ ns\/request \(IQR -?[\d.]+ – -?[\d.]+ over 10 paired rounds(, within noise)?\)\n$/,
    );
  });

  it.skipIf(!existsSync("test/fixtures/c/pass.o"))(
    "ELF objects load through loadProgramFile (test/fixtures/c/pass.o)",
    async () => {
      const r = await cli([
        "bench",
        "--policy",
        "test/fixtures/c/pass.o",
        "--engine",
        "jit",
        "--rounds",
        "1",
        "--json",
      ]);
      expect(r.err).toBe("");
      positive((JSON.parse(r.out) as Record<string, unknown>).ns_per_request);
    },
  );

  it.each([
    [["--policy", "a.baton", "--kernel-pick"], "not both"],
    [["--listeners", "4", "x.s"], "--listeners applies to --policy or --kernel-pick"],
    [["--kernel-pick", "--engine", "jit"], "--engine does not apply"],
    [["--kernel-pick", "x.s"], "take no program file"],
    [["--kernel-pick", "--listeners", "0"], "--listeners expects an integer from 1 to 4096, got '0'"],
    [["--kernel-pick", "--clock", "tsc"], "--clock expects cpu or wall, got 'tsc'"],
    [["--policy", "policies/kernel_default.baton", "--engine", "fast"], "unknown engine 'fast'"],
  ])("usage error: %j", async (args, msg) => {
    const r = await cli(["bench", ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(msg);
  });

  it("a policy that does not compile is a located error (exit 1)", async () => {
    const f = write("bad.baton", "policy bad\n\non select {\n  pass pass\n}\n");
    const r = await cli(["bench", "--policy", f]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.baton:4:\d+: error: /);
  });

  it("a missing file is an input error naming it", async () => {
    const r = await cli(["bench", "--policy", join(tmp, "nope.baton")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("nope.baton");
  });
});

describe("hook-bench setup", () => {
  const run = (h: ReturnType<typeof buildHookBench>, n: number) => {
    for (let i = 0; i < n; i++) h.step();
    return h.outcomes();
  };

  it("kernel pick: every request (new or migrating) finds a listener (R11, R12 step 7)", () => {
    expect(run(buildHookBench(null, engineByName("interp"), 16), 512)).toEqual({ selected: 512, refused: 0, none: 0 });
    expect(run(buildHookBench(null, engineByName("interp"), 1), 64)).toEqual({ selected: 64, refused: 0, none: 0 });
  });

  it.each(["interp", "jit"])("SK_PASS without selection falls back to the hash pick (%s)", async (engine) => {
    const h = buildHookBench(await loadHookPolicy(PASS_S), engineByName(engine), 16);
    expect(run(h, 256)).toEqual({ selected: 256, refused: 0, none: 0 });
    const bare = h.bare!;
    for (let i = 0; i < 10; i++) bare();
  });

  it("batch and bare each run BATCH requests, half of them migrations (the loops spell BATCH as a literal)", async () => {
    let runs = 0;
    const counting: EngineFactory = (insns, o) => {
      const e = engineByName("interp")(insns, o);
      return {
        run(hi: number, lo: number, r2: number) {
          runs++;
          return e.run(hi, lo, r2);
        },
        get r0hi() {
          return e.r0hi;
        },
        get executed() {
          return e.executed;
        },
      } satisfies Engine;
    };
    const h = buildHookBench(await loadHookPolicy(DROP_S), counting, 4);
    runs = 0; // the setup runs the program twice to learn the bare runs' ctx words
    h.batch();
    // SK_DROP: each migration fails (null); each new connection is refused (not null).
    expect({ runs, none: h.outcomes().none }).toEqual({ runs: BATCH, none: BATCH / 2 });
    h.bare!();
    expect(runs).toBe(2 * BATCH);
  });

  it("SK_DROP refuses new connections (R10) and fails migrations (R12 step 6)", async () => {
    const h = buildHookBench(await loadHookPolicy(DROP_S), engineByName("interp"), 4);
    expect(run(h, 100)).toEqual({ selected: 0, refused: 50, none: 50 });
  });

  it("policies with two sockarrays get distinct listeners in each (R22)", async () => {
    const h = buildHookBench(await loadHookPolicy("policies/weighted_canary.baton"), engineByName("interp"), 16);
    const o = run(h, 256);
    expect(o.selected + o.refused + o.none).toBe(256);
  });

  // drop unless open[0] == 1; then select the listener in slot 5 (a slot the default fill of
  // two listeners leaves empty), else drop: what the hook does shows which state it runs in.
  const GATE = write(
    "gate.baton",
    [
      "policy gate",
      "map open: array<u32, u32>[1]",
      "map listeners: reuseport_sockarray<u32>[8]",
      "on select {",
      "  let o = open[0] ?? 0",
      "  if o == 0 {",
      "    drop",
      "  }",
      "  select listeners[5] else drop",
      "}",
      "on migrate {",
      "  pass",
      "}",
      'test "open" {',
      "  open[0] = 1",
      "  listeners[5] = 9",
      "  expect connect { hash: 1 } => select 9",
      "}",
      'test "three cookies" {',
      "  listeners[0] = 1",
      "  listeners[1] = 2",
      "  listeners[2] = 3",
      "}",
      "",
    ].join("\n"),
  );

  it("--state publishes a test's map writes: data maps and socket slots (cookies become listeners)", async () => {
    const plain = buildHookBench(await loadHookPolicy(GATE), engineByName("interp"), 2);
    // closed: new connections dropped; migrations pass and take the hash pick
    expect(run(plain, 100)).toEqual({ selected: 50, refused: 50, none: 0 });
    const policy = await loadHookPolicy(GATE, "open");
    expect(policy.state).toEqual([
      { fd: 1, key: 0n, value: 1n },
      { fd: 2, key: 5n, value: 9n },
    ]);
    for (const engine of ["interp", "jit"]) {
      expect(run(buildHookBench(policy, engineByName(engine), 2), 100)).toEqual({ selected: 100, refused: 0, none: 0 });
    }
  });

  it("--state errors: an unknown test, a file that is not a policy, more cookies than listeners", async () => {
    await expect(loadHookPolicy(GATE, "nope")).rejects.toThrow(/has no test named "nope"/);
    await expect(loadHookPolicy(PASS_S, "open")).rejects.toThrow(/is not a \.baton file/);
    const three = await loadHookPolicy(GATE, "three cookies");
    expect(() => buildHookBench(three, engineByName("interp"), 2)).toThrow(
      /more than 2 listeners; give --listeners 3 or more/,
    );
    const r = await cli(["bench", "--policy", GATE, "--state", "nope", "--rounds", "1"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('expected one of (or a unique prefix of): "open", "three cookies"');
    expect((await cli(["bench", "--kernel-pick", "--state", "open"])).code).toBe(2);
  });

  it("--state through the CLI: the JSON shape is unchanged", async () => {
    const r = await cli([
      "bench",
      "--policy",
      GATE,
      "--engine",
      "jit",
      "--listeners",
      "2",
      "--state",
      "open",
      "--rounds",
      "1",
      "--json",
    ]);
    expect(r.err).toBe("");
    const j = JSON.parse(r.out) as Record<string, unknown>;
    positive(j.ns_per_request);
    positive(j.engine_ns);
  });
});
