/**
 * Every policy in policies/ through the socket model's whole reuseport hook (src/cli/hook-bench.ts:
 * 16 listeners, new connections and migrations alternating), on both engines, against the
 * kernel pick without a program (R11) as the baseline. One op = 128 requests, so the runner's
 * per-call overhead does not swamp a few-ns path. A policy that does not compile or verify
 * right now is skipped with a note (its row is missing, not wrong).
 * A C reference of the kernel pick (bench/native/kernel_pick.c: the same group, hashes and
 * request mix) is built with gcc and run on the same machine, so the JavaScript figure can be
 * read against what compiled code does here; its row's ratio is C / JavaScript. Without gcc
 * the row is left out with a note.
 * In this process the group's call sites see every policy's program, so V8 inlines less along
 * them than in a simulation with one policy; `kernel-pick own-process` runs `baton bench
 * --kernel-pick --json` in a process of its own, and the `own-process` rows run `baton bench --policy
 * FILE --engine jit --json` per policy (one program per process, as in a simulation), once
 * with empty data maps and once with `--state` of its first test (`own-process state`), and
 * add each one's hook overhead (median of paired hook/bare rounds) as a row. For those rows ±% is half
 * the spread of the rounds relative to the median (min–max for the request, the IQR for the
 * overhead), not a confidence interval.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BATCH, buildHookBench, loadHookPolicy, type HookBench } from "../src/cli/hook-bench.js";
import { engineByName } from "../src/vm/engines.js";
import { engineForVerified } from "../src/cli/policy-engine.js";
import { tryCompile } from "../src/compiler/compile.js";
import type { BenchCase, BenchSuite, ExternalCase } from "./types.js";

const LISTENERS = 16;
const PER_OP = 128; // a multiple of BATCH
const dir = fileURLToPath(new URL("../policies/", import.meta.url));

function batched(h: HookBench): () => void {
  const batch = h.batch;
  const n = PER_OP / BATCH;
  return () => {
    for (let i = 0; i < n; i++) batch();
  };
}

const BASE = `policies/kernel-pick x${PER_OP}`;
const kernel = buildHookBench(null, engineByName("interp"), LISTENERS);
const cases: BenchCase[] = [{ name: BASE, engine: "kernel", fn: batched(kernel) }];
const hooks: { name: string; h: HookBench }[] = [{ name: BASE, h: kernel }];

for (const f of readdirSync(dir)
  .filter((x) => x.endsWith(".baton"))
  .sort()) {
  const name = f.replace(/\.baton$/, "");
  let policy;
  try {
    policy = await loadHookPolicy(`${dir}${f}`);
  } catch (e) {
    process.stderr.write(`policies: skipping ${f}: ${(e as Error).message.split("\n")[0]}\n`);
    continue;
  }
  for (const engine of ["interp", "jit"]) {
    try {
      const h = buildHookBench(
        policy,
        policy.verdict !== undefined ? engineForVerified(engine, policy.insns, policy.verdict) : engineByName(engine),
        LISTENERS,
      );
      const rowName = `policies/${name}/${engine} x${PER_OP}`;
      cases.push({ name: rowName, engine, fn: batched(h), baseline: BASE });
      hooks.push({ name: rowName, h });
    } catch (e) {
      process.stderr.write(`policies: no ${name}/${engine} row: ${(e as Error).message.split("\n")[0]}\n`);
    }
  }
}

/** The C reference row (per PER_OP requests, like the other rows), or none without gcc. */
function cReference(): ExternalCase[] {
  const dirC = mkdtempSync(join(tmpdir(), "baton-pick-"));
  try {
    const exe = join(dirC, "kernel_pick");
    execFileSync("gcc", ["-O2", "-o", exe, fileURLToPath(new URL("native/kernel_pick.c", import.meta.url)), "-lm"], {
      stdio: "pipe",
    });
    const out = execFileSync(exe, { encoding: "utf8" });
    const m = /^ns_per_request (\S+) (\S+) (\S+) (\S+) (\S+)$/m.exec(out);
    if (m === null) throw new Error(`unexpected output: ${out.trim()}`);
    const [median, mean, sd] = [Number(m[1]), Number(m[4]), Number(m[5])];
    // 95 % margin of the mean over 15 rounds (t = 2.145 for 14 degrees of freedom).
    const rme = mean > 0 ? ((2.145 * sd) / Math.sqrt(15) / mean) * 100 : 0;
    return [
      {
        name: `policies/kernel-pick-c x${PER_OP}`,
        engine: "c",
        nsPerOp: median * PER_OP,
        rmePercent: rme,
        baseline: BASE,
      },
    ];
  } catch (e) {
    process.stderr.write(`policies: no C reference row: ${(e as Error).message.split("\n")[0]}\n`);
    return [];
  } finally {
    rmSync(dirC, { recursive: true, force: true });
  }
}

interface HookJson {
  readonly ns_per_request: number;
  readonly min: number;
  readonly max: number;
  readonly hook_overhead_ns: number | null;
  readonly hook_overhead_spread_ns: readonly [number, number] | null;
}

const cli = fileURLToPath(new URL("../src/cli/entry.ts", import.meta.url));

/** The first test of a policy (its control-plane state for `--state`), if it has one. */
function firstTest(file: string): string | undefined {
  return tryCompile(readFileSync(file, "utf8"), file).policy?.tests[0]?.name;
}

/**
 * `baton bench --policy` per policy on the JIT, each in a process of its own: with empty data
 * maps (what a policy does before its control plane publishes anything: every example policy
 * then passes and the kernel picks), and with the state its first test publishes (the policy
 * doing its job).
 */
function ownProcessRows(): ExternalCase[] {
  const out: ExternalCase[] = [];
  const half = (lo: number, hi: number, mid: number): number => (mid > 0 ? ((hi - lo) / 2 / mid) * 100 : 0);
  // The kernel pick too: in this process its call sites have also run every policy's program.
  try {
    const r = JSON.parse(
      execFileSync(process.execPath, ["--import", "tsx", cli, "bench", "--kernel-pick", "--json"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      }),
    ) as HookJson;
    out.push({
      name: `policies/kernel-pick own-process x${PER_OP}`,
      engine: "kernel",
      nsPerOp: r.ns_per_request * PER_OP,
      rmePercent: half(r.min, r.max, r.ns_per_request),
      baseline: BASE,
    });
  } catch (e) {
    process.stderr.write(`policies: no own-process kernel-pick row: ${(e as Error).message.split("\n")[0]}\n`);
  }
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith(".baton"))
    .sort()) {
    const name = f.replace(/\.baton$/, "");
    const test = firstTest(`${dir}${f}`);
    for (const state of test === undefined ? [undefined] : [undefined, test]) {
      const label = state === undefined ? "own-process" : "own-process state";
      try {
        const args = [
          "--import",
          "tsx",
          cli,
          "bench",
          "--policy",
          `${dir}${f}`,
          "--engine",
          "jit",
          "--json",
          ...(state === undefined ? [] : ["--state", state]),
        ];
        const r = JSON.parse(
          execFileSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }),
        ) as HookJson;
        out.push({
          name: `policies/${name}/jit ${label} x${PER_OP}`,
          engine: "jit",
          nsPerOp: r.ns_per_request * PER_OP,
          rmePercent: half(r.min, r.max, r.ns_per_request),
          baseline: BASE,
        });
        if (r.hook_overhead_ns !== null && r.hook_overhead_spread_ns !== null) {
          const [q1, q3] = r.hook_overhead_spread_ns;
          out.push({
            name: `policies/${name}/jit ${label} hook overhead x${PER_OP}`,
            engine: "jit",
            nsPerOp: r.hook_overhead_ns * PER_OP,
            rmePercent: half(q1, q3, r.hook_overhead_ns),
          });
        }
      } catch (e) {
        process.stderr.write(`policies: no ${label} row for ${name}: ${(e as Error).message.split("\n")[0]}\n`);
      }
    }
  }
  return out;
}

export const suites: BenchSuite[] = [
  {
    name: "policies",
    // Each setup must run without trapping, and the kernel pick must always find a listener.
    check: () => {
      for (const { name, h } of hooks) {
        for (let i = 0; i < 512; i++) h.step();
        const o = h.outcomes();
        if (o.selected + o.refused + o.none === 0) throw new Error(`${name}: no requests ran`);
      }
      const k = kernel.outcomes();
      if (k.none !== 0 || k.refused !== 0) throw new Error(`kernel pick: ${k.none} requests found no listener`);
    },
    cases,
    external: () => [...cReference(), ...ownProcessRows()],
  },
];
