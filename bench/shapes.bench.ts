/**
 * Engines on programs of several shapes (bench/shapes/*.s), each read against plain C doing the
 * same work on the same input in the same run (bench/native/shapes.c, gcc -O2): an argmin scan,
 * the same scan with its instructions in another order, FNV-1a hashing with a modulo, a TLV walk
 * with byte loads and shifts, dependent table lookups in a loop, and a call-heavy loop of
 * bpf-to-bpf calls. The goal is stated per shape, not for one program: the interpreter at most
 * 25x C on every shape.
 *
 * Inputs come from a fixed-seed generator, so every run measures the same work. The bench
 * checks that each engine returns C's result before timing anything.
 *
 * Standalone: `node --import tsx bench/shapes.bench.ts` prints one table (each engine row is
 * timed in a process of its own so call sites stay monomorphic; CPU time, median of rounds). The
 * trusted JIT row runs each shape with the verifier's facts, the shape verified as a memory
 * program over its input (as `baton run --engine jit` does).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { assemble } from "../src/vm/asm/assembler.js";
import type { Engine } from "../src/vm/engine.js";
import { Interpreter } from "../src/vm/interpreter.js";
import type { Insn } from "../src/vm/isa.js";
import type { JitFacts } from "../src/vm/jit/facts.js";
import { compileJit } from "../src/vm/jit/jit.js";
import { jitFactsFromVerifier } from "../src/vm/jit/verifier-facts.js";
import { MEMORY_PROGRAM } from "../src/vm/program-type.js";
import { verify } from "../src/verifier/index.js";
import { AddressSpace } from "../src/vm/memory.js";
import { checkStructure } from "../src/vm/validate.js";
import type { BenchCase, BenchSuite, ExternalCase } from "./types.js";

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/** A small xorshift generator: the inputs must not change between runs or machines. */
function bytes(seed: number, n: number): Uint8Array {
  let s = seed >>> 0 || 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s & 0xff;
  }
  return out;
}

/** A TLV stream of records with lengths 0-15 (so about 25 records fit in 256 bytes). */
function tlvStream(seed: number, n: number): Uint8Array {
  const r = bytes(seed, n);
  const out = new Uint8Array(n);
  let at = 0;
  while (at + 3 <= n) {
    const len = r[at]! & 15;
    out[at] = r[at + 1]!;
    out[at + 1] = 0;
    out[at + 2] = len;
    for (let k = 0; k < len && at + 3 + k < n; k++) out[at + 3 + k] = r[at + 3 + k]!;
    at += 3 + len;
  }
  return out;
}

export interface Shape {
  readonly name: string;
  readonly insns: readonly Insn[];
  readonly input: Uint8Array;
}

const INPUTS: Readonly<Record<string, () => Uint8Array>> = {
  argmin: () => bytes(1, 128),
  argmin_reordered: () => bytes(1, 128),
  hash_mod: () => bytes(2, 64),
  byte_parse: () => tlvStream(3, 256),
  call_heavy: () => bytes(4, 64),
  table_lookup: () => bytes(5, 1280),
};

export function loadShapes(): Shape[] {
  const dir = here("./shapes/");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".s"))
    .sort()
    .map((f) => {
      const name = f.slice(0, -2);
      const input = INPUTS[name];
      if (input === undefined) throw new Error(`bench/shapes/${f}: no input generator for this shape`);
      return { name, insns: checkStructure(assemble(readFileSync(join(dir, f), "utf8"), f)), input: input() };
    });
}

export type ShapeEngine = "interp" | "jit" | "trusted";
const ENGINES: readonly ShapeEngine[] = ["interp", "jit", "trusted"];

/** The trusted JIT's facts: the verifier's, for the shape as a memory program over its input. */
function trustedFacts(shape: Shape): JitFacts {
  const r = verify(shape.insns, { type: MEMORY_PROGRAM, attachType: 0, maps: [], memory: shape.input.length });
  if (!r.accepted || r.facts === undefined)
    throw new Error(`shapes/${shape.name}: not verified (${r.error?.message ?? "no facts"})`);
  return jitFactsFromVerifier(shape.insns, r.facts, true);
}

function engineFor(shape: Shape, kind: ShapeEngine): { vm: Engine; id: number } {
  const mem = new AddressSpace();
  const region = mem.add("mem", shape.input.slice(), true);
  const opts = { mem, helpers: new Map() };
  const vm =
    kind === "interp"
      ? new Interpreter(shape.insns, opts)
      : kind === "jit"
        ? compileJit(shape.insns, { ...opts, mode: "checked" })
        : compileJit(shape.insns, { ...opts, mode: "trusted", facts: trustedFacts(shape) });
  return { vm, id: region.id };
}

/** One run of the shape on an engine (returns r0's low half), and r0 in full after a run. */
function runner(shape: Shape, kind: ShapeEngine): { run: () => number; r0: () => bigint } {
  const { vm, id } = engineFor(shape, kind);
  const len = shape.input.length;
  return {
    run: () => vm.run(id, 0, len),
    r0: () => {
      const lo = vm.run(id, 0, len);
      return (BigInt(vm.r0hi >>> 0) << 32n) | BigInt(lo >>> 0);
    },
  };
}

/** gcc -O2 build of the C references; undefined (with a note) without gcc. */
function buildC(dir: string): string | undefined {
  const exe = join(dir, "shapes");
  try {
    execFileSync("gcc", ["-O2", "-o", exe, here("./native/shapes.c")], { stdio: "pipe" });
    return exe;
  } catch (e) {
    process.stderr.write(`shapes: no C reference rows: ${(e as Error).message.split("\n")[0]}\n`);
    return undefined;
  }
}

interface CFigure {
  readonly result: bigint;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

function runC(exe: string, dir: string, shape: Shape): CFigure {
  const file = join(dir, `${shape.name}.hex`);
  writeFileSync(file, Buffer.from(shape.input).toString("hex"));
  const out = execFileSync(exe, [shape.name, file], { encoding: "utf8" });
  const r = /^result (\d+)$/m.exec(out);
  const t = /^ns_per_run (\S+) (\S+) (\S+)$/m.exec(out);
  if (r === null || t === null) throw new Error(`shapes: unexpected output from C: ${out.trim()}`);
  return { result: BigInt(r[1]!), median: Number(t[1]), min: Number(t[2]), max: Number(t[3]) };
}

let _sink = 0;
const shapes = loadShapes();

export const suites: BenchSuite[] = [
  {
    name: "shapes",
    check: () => {
      for (const s of shapes) {
        const a = runner(s, "interp").r0();
        for (const kind of ENGINES) {
          const b = runner(s, kind).r0();
          if (a !== b) throw new Error(`shapes/${s.name}: interpreter ${a}, ${kind} ${b}`);
        }
      }
    },
    cases: shapes.flatMap((s): BenchCase[] =>
      ENGINES.map((kind) => {
        const { run } = runner(s, kind);
        return {
          name: `shapes/${s.name}/${kind}`,
          engine: kind === "trusted" ? "jit" : kind,
          fn: () => {
            _sink ^= run();
          },
        };
      }),
    ),
    external: (): ExternalCase[] => {
      const dir = mkdtempSync(join(tmpdir(), "baton-shapes-"));
      try {
        const exe = buildC(dir);
        if (exe === undefined) return [];
        return shapes.map((s) => {
          const c = runC(exe, dir, s);
          return {
            name: `shapes/${s.name}/c`,
            engine: "c",
            nsPerOp: c.median,
            rmePercent: ((c.max - c.min) / 2 / c.median) * 100,
          };
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
];

/** CPU ns per run: median of 15 rounds of ~50 ms after a warm-up. */
function measure(run: () => number): { median: number; min: number } {
  let runs = 1000;
  for (;;) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < runs; i++) _sink ^= run();
    const du = process.cpuUsage(t0);
    if ((du.user + du.system) / 1000 > 50) break;
    runs *= 2;
  }
  const ns: number[] = [];
  for (let round = 0; round < 15; round++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < runs; i++) _sink ^= run();
    const du = process.cpuUsage(t0);
    ns.push(((du.user + du.system) * 1000) / runs);
  }
  ns.sort((a, b) => a - b);
  return { median: ns[7]!, min: ns[0]! };
}

/** One row in this process: prints `result R` and `ns_per_run MEDIAN MIN`. */
function row(name: string, kind: ShapeEngine): void {
  const shape = shapes.find((s) => s.name === name);
  if (shape === undefined) throw new Error(`no shape ${name}`);
  const { run, r0 } = runner(shape, kind);
  const result = r0();
  const t = measure(run);
  process.stdout.write(`result ${result}\nns_per_run ${t.median.toFixed(3)} ${t.min.toFixed(3)}\n`);
}

function table(): void {
  const dir = mkdtempSync(join(tmpdir(), "baton-shapes-"));
  try {
    const exe = buildC(dir);
    const self = fileURLToPath(import.meta.url);
    const lines = ["shape               C ns    interp ns  interp/C   jit ns  jit/C  trusted ns  trusted/C"];
    for (const s of shapes) {
      const c = exe !== undefined ? runC(exe, dir, s) : undefined;
      const figures: Record<ShapeEngine, number> = { interp: NaN, jit: NaN, trusted: NaN };
      for (const kind of ENGINES) {
        const out = execFileSync(process.execPath, ["--import", "tsx", self, "--row", s.name, kind], {
          encoding: "utf8",
        });
        const r = /^result (\d+)$/m.exec(out);
        const t = /^ns_per_run (\S+)/m.exec(out);
        if (r === null || t === null) throw new Error(`shapes/${s.name}/${kind}: unexpected output: ${out.trim()}`);
        if (c !== undefined && BigInt(r[1]!) !== c.result)
          throw new Error(`shapes/${s.name}/${kind}: result ${r[1]}, C ${c.result}`);
        figures[kind] = Number(t[1]);
      }
      const ratio = (x: number): string => (c !== undefined ? `${(x / c.median).toFixed(1)}x` : "-");
      lines.push(
        `${s.name.padEnd(18)} ${(c?.median.toFixed(1) ?? "-").padStart(6)} ${figures.interp.toFixed(1).padStart(11)} ${ratio(figures.interp).padStart(9)} ${figures.jit.toFixed(1).padStart(8)} ${ratio(figures.jit).padStart(6)} ${figures.trusted.toFixed(1).padStart(11)} ${ratio(figures.trusted).padStart(10)}`,
      );
    }
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf("--row");
  if (i >= 0) row(process.argv[i + 1]!, process.argv[i + 2] as ShapeEngine);
  else table();
}
