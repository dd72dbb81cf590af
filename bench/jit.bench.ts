/**
 * JIT benchmarks: least_loaded on the JIT in checked and trusted mode against the
 * hand-written JS function in the same run; the per-call floor (`r0 = 0; exit`) on the JIT
 * beside the interpreter; cold start (compile time per program, and compile + first 1,000
 * runs) reported separately.
 *
 * Rows run an inner loop of RUNS_PER_OP runs so that the harness's own call overhead does not
 * swamp per-run figures of a few nanoseconds: divide ns/op by RUNS_PER_OP for ns per run (the
 * ratios are unaffected); every row's harness functions are its own copies (`fresh`), so call
 * sites stay monomorphic. Trusted mode has no verifier facts here; the "trusted+facts" row uses
 * facts written by hand for this program (what the verifier is expected to prove: the index and
 * counters' pointer stay below 2^32 where marked, every load in bounds, the loop bounded), and
 * is labelled as such. Cold-start rows vary the budget per compile so V8's source-keyed
 * compilation cache cannot serve a repeated `new Function`.
 *
 * Run alone for a quick printout: `node --import tsx bench/jit.bench.ts` (one process per row,
 * plus `ratio`: every least_loaded row in one process, the goal's same-run ratio).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assemble } from "../src/vm/asm/assembler.js";
import type { Engine } from "../src/vm/engine.js";
import { Interpreter } from "../src/vm/interpreter.js";
import { decode, type Insn } from "../src/vm/isa.js";
import type { InsnFacts, JitFacts } from "../src/vm/jit/facts.js";
import { compileJit, type JitMode } from "../src/vm/jit/jit.js";
import { AddressSpace } from "../src/vm/memory.js";
import { checkStructure } from "../src/vm/validate.js";
import type { BenchCase, BenchSuite } from "./types.js";

export const RUNS_PER_OP = 100;

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const source = readFileSync(here("../examples/least_loaded.s"), "utf8");
const memText = readFileSync(here("../examples/least_loaded.mem"), "utf8");
const memBytes = Uint8Array.from(memText.replace(/#.*$/gm, "").trim().split(/\s+/), (h) => Number.parseInt(h, 16));
const leastLoaded = checkStructure(assemble(source, "least_loaded.s"));
const floorProgram = decode(assemble("mov %r0, 0\nexit", "floor.s"));

/** The hand-written baseline (same as bench/least_loaded.bench.ts). */
function leastLoadedJs(words: Uint32Array): number {
  let best = 0;
  let bestLo = words[0]!;
  let bestHi = words[1]!;
  for (let i = 1; i < 16; i++) {
    const lo = words[2 * i]!;
    const hi = words[2 * i + 1]!;
    if (hi < bestHi || (hi === bestHi && lo < bestLo)) {
      best = i;
      bestLo = lo;
      bestHi = hi;
    }
  }
  return best;
}

/**
 * Hand-written facts for least_loaded (slots: 0 mov r0; 1 ldxdw r3; 2 mov r4; 3 add r1; 4 loop:
 * ldxdw r5; 5 jge; 6 mov r3; 7 mov r0; 8 next: add r1; 9 add r4; 10 jne; 11 exit): r0 and r4
 * are indexes below 16, r1's high half is the region id (not below 2^32, so not marked), r3/r5
 * are full u64 counters; r1 is the ctx pointer whose `add 8` stays in bounds (no carry);
 * every load is in bounds and in the ctx region (r1 is the context pointer); the loop runs 15 times.
 */
function leastLoadedFacts(): JitFacts {
  const idx = (1 << 0) | (1 << 4);
  const insns: InsnFacts[] = [];
  for (let pc = 0; pc < leastLoaded.length; pc++)
    insns.push({
      u31Regs: pc >= 3 ? idx : 0,
      ptrRegs: pc === 3 || pc === 8 ? 1 << 1 : 0,
      memInBounds: pc === 1 || pc === 4,
      ...(pc === 1 || pc === 4 ? { memRegion: "ctx" as const } : {}),
    });
  return { insns, loopsBounded: true };
}

function setupEngine(
  kind: "interp" | JitMode | "trusted+facts",
  insns: readonly Insn[],
  budget?: number,
): { vm: Engine; id: number } {
  const mem = new AddressSpace();
  const region = mem.add("mem", memBytes.slice(), true);
  const opts = { mem, helpers: new Map(), ...(budget !== undefined ? { budget } : {}) };
  const vm =
    kind === "interp"
      ? new Interpreter(insns, opts)
      : compileJit(insns, {
          ...opts,
          mode: kind === "checked" ? "checked" : "trusted",
          ...(kind === "trusted+facts" ? { facts: leastLoadedFacts() } : {}),
        });
  return { vm, id: region.id };
}

let sink = 0;

/**
 * A fresh copy of a small harness function per row. V8 keeps call feedback per function
 * literal: one literal shared by every row (`() => vm.run(…)`, the inner loop) sees every
 * engine's `run`, goes megamorphic and stops inlining, which adds a call per run to the JS row
 * and the engines alike and swamps figures of a few ns. The serial in the text keeps V8's
 * source-keyed cache from handing two rows one copy.
 */
let copies = 0;
function fresh<T>(params: readonly string[], body: string, args: readonly unknown[]): T {
  // new Function over the bench harness's own text, no input.
  return (new Function(...params, `${body}\nreturn (${String(copies++)}, f);`) as (...a: unknown[]) => T)(...args);
}

/** `() => vm.run(id, 0, len)` as a row's own function. */
function runOf(vm: Engine, id: number, len: number): () => number {
  return fresh<() => number>(["vm", "id", "len"], "const f = () => vm.run(id, 0, len);", [vm, id, len]);
}

function loopCase(name: string, engine: string, baseline: string | undefined, run: () => number): BenchCase {
  const loop = fresh<() => number>(
    ["run", "N"],
    "const f = () => { let s = 0; for (let i = 0; i < N; i++) s ^= run(); return s; };",
    [run, RUNS_PER_OP],
  );
  const fn = (): void => {
    sink ^= loop();
  };
  return baseline === undefined ? { name, engine, fn } : { name, engine, fn, baseline };
}

const words = new Uint32Array(memBytes.slice().buffer);
const jsRun = fresh<() => number>(["js", "w"], "const f = () => js(w);", [leastLoadedJs, words]);
const llCases: BenchCase[] = [loopCase(`jit/least_loaded/js x${RUNS_PER_OP}`, "js", undefined, jsRun)];
const llRuns: Array<() => number> = [];
for (const kind of ["checked", "trusted", "trusted+facts", "interp"] as const) {
  const { vm, id } = setupEngine(kind, leastLoaded);
  const run = runOf(vm, id, memBytes.length);
  llRuns.push(run);
  llCases.push(
    loopCase(
      `jit/least_loaded/${kind} x${RUNS_PER_OP}`,
      kind === "interp" ? "interp" : "jit",
      `jit/least_loaded/js x${RUNS_PER_OP}`,
      run,
    ),
  );
}

const floorCases: BenchCase[] = [];
for (const kind of ["checked", "trusted", "interp"] as const) {
  const { vm, id } = setupEngine(kind, floorProgram);
  floorCases.push(
    loopCase(
      `jit/floor/${kind} x${RUNS_PER_OP}`,
      kind === "interp" ? "interp" : "jit",
      kind === "checked" ? undefined : `jit/floor/checked x${RUNS_PER_OP}`,
      runOf(vm, id, 0),
    ),
  );
}

let coldBudget = 2_000_000;
const coldCases: BenchCase[] = [
  {
    name: "jit/cold/compile least_loaded",
    engine: "jit",
    fn: () => {
      sink ^= setupEngine("checked", leastLoaded, coldBudget++).id;
    },
  },
  {
    name: "jit/cold/compile + first 1000 runs",
    engine: "jit",
    fn: () => {
      const { vm, id } = setupEngine("checked", leastLoaded, coldBudget++);
      for (let i = 0; i < 1000; i++) sink ^= vm.run(id, 0, memBytes.length);
    },
  },
  {
    name: "jit/cold/interp construct + first 1000 runs",
    engine: "interp",
    fn: () => {
      const { vm, id } = setupEngine("interp", leastLoaded);
      for (let i = 0; i < 1000; i++) sink ^= vm.run(id, 0, memBytes.length);
    },
  },
];

export const suites: BenchSuite[] = [
  {
    name: "jit/least_loaded",
    check: () => {
      const want = leastLoadedJs(words);
      for (const r of llRuns) {
        const got = r();
        if (got !== want) throw new Error(`least_loaded: an engine returned ${got}, JS baseline ${want}`);
      }
    },
    cases: llCases,
  },
  { name: "jit/floor", cases: floorCases },
  { name: "jit/cold", cases: coldCases },
];

/**
 * Quick standalone measurement: best of several rounds of a tight loop, in CPU-time ns per run
 * (process CPU time rather than wall time, so other processes on a shared machine distort it less).
 */
function measure(run: () => number, runs: number): number {
  let best = Infinity;
  for (let round = 0; round < 7; round++) {
    const t0 = process.cpuUsage();
    let s = 0;
    for (let i = 0; i < runs; i++) s ^= run();
    const du = process.cpuUsage(t0);
    const dt = (du.user + du.system) * 1000;
    sink ^= s;
    best = Math.min(best, dt / runs);
  }
  return best;
}

/** Standalone: one measurement per process, so call sites never see a second engine. */
function standalone(what: string): void {
  const warm = (r: () => number): void => {
    for (let j = 0; j < 300_000; j++) sink ^= r();
  };
  const words2 = new Uint32Array(memBytes.slice().buffer);
  let line = "";
  if (what === "ll-js") {
    const r = (): number => leastLoadedJs(words2);
    warm(r);
    line = `least_loaded js             ${measure(r, 2_000_000).toFixed(2)} ns/run`;
  } else if (what === "ratio") {
    // The goal's figure: every least_loaded row in ONE process, rounds interleaved, each row
    // through its own harness copies (`fresh`), best round per row, ratio to the JS row.
    const rows: Array<readonly [string, () => number]> = [
      ["js", fresh<() => number>(["js", "w"], "const f = () => js(w);", [leastLoadedJs, words2])],
    ];
    for (const kind of ["checked", "trusted", "trusted+facts"] as const) {
      const { vm, id } = setupEngine(kind, leastLoaded);
      rows.push([kind, runOf(vm, id, memBytes.length)]);
    }
    const loops = rows.map(
      ([name, r]) =>
        [
          name,
          fresh<() => number>(
            ["run", "N"],
            "const f = () => { let s = 0; for (let i = 0; i < N; i++) s ^= run(); return s; };",
            [r, 200_000],
          ),
        ] as const,
    );
    const best = new Map<string, number>(rows.map(([n]) => [n, Infinity]));
    for (const [, r] of rows) warm(r);
    for (let round = 0; round < 15; round++) {
      for (const [name, loop] of loops) {
        const t0 = process.cpuUsage();
        sink ^= loop();
        const du = process.cpuUsage(t0);
        best.set(name, Math.min(best.get(name)!, ((du.user + du.system) * 1000) / 200_000));
      }
    }
    const js = best.get("js")!;
    line = [...best]
      .map(([n, v]) => `least_loaded ${n.padEnd(14)} ${v.toFixed(2)} ns/run  ${(v / js).toFixed(2)}x js (same process)`)
      .join("\n");
  } else if (what.startsWith("ll-")) {
    const kind = what.slice(3) as "interp" | JitMode | "trusted+facts";
    const { vm, id } = setupEngine(kind, leastLoaded);
    const r = (): number => vm.run(id, 0, memBytes.length);
    warm(r);
    line = `least_loaded ${kind.padEnd(14)} ${measure(r, kind === "interp" ? 200_000 : 2_000_000).toFixed(2)} ns/run`;
  } else if (what.startsWith("floor-")) {
    const kind = what.slice(6) as "interp" | JitMode;
    const { vm, id } = setupEngine(kind, floorProgram);
    const r = (): number => vm.run(id, 0, 0);
    warm(r);
    line = `floor ${kind.padEnd(21)} ${measure(r, 5_000_000).toFixed(2)} ns/run`;
  } else if (what === "cold") {
    let t0 = process.cpuUsage();
    const N = 200;
    for (let i = 0; i < N; i++) sink ^= setupEngine("checked", leastLoaded, coldBudget++).id;
    let du = process.cpuUsage(t0);
    line = `cold compile (checked)      ${((du.user + du.system) / N).toFixed(1)} us/program\n`;
    t0 = process.cpuUsage();
    for (let i = 0; i < 20; i++) {
      const { vm, id } = setupEngine("checked", leastLoaded, coldBudget++);
      for (let j = 0; j < 1000; j++) sink ^= vm.run(id, 0, memBytes.length);
    }
    du = process.cpuUsage(t0);
    line += `cold compile + 1000 runs    ${((du.user + du.system) / 20).toFixed(1)} us`;
  }
  console.log(line);
  if (sink === 0.5) console.log(sink);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const what = process.argv[2];
  if (what !== undefined) standalone(what);
  else {
    const { execFileSync } = await import("node:child_process");
    for (const w of [
      "ll-js",
      "ll-checked",
      "ll-trusted",
      "ll-trusted+facts",
      "ll-interp",
      "ratio",
      "floor-checked",
      "floor-trusted",
      "floor-interp",
      "cold",
    ]) {
      process.stdout.write(
        execFileSync(process.execPath, [...process.execArgv, process.argv[1], w], { encoding: "utf8" }),
      );
    }
  }
}
