/**
 * least_loaded: pick the index of the smallest of 16 u64 counters (examples/least_loaded.s,
 * ~88 instructions per run on examples/least_loaded.mem), on Baton's engines and as a
 * hand-written JS function over the same bytes, which is the baseline. One more row,
 * dispatch/interp, runs 87 independent `mov` + exit (the same instruction count with no
 * memory access, jump or fusable pair): the interpreter's bare per-instruction dispatch cost.
 * Programs of other shapes are in shapes.bench.ts.
 * Compare rows by their ratio to the baseline (same process), not by ns on a shared machine.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assemble } from "../src/vm/asm/assembler.js";
import type { EngineFactory } from "../src/vm/engine.js";
import { engineByName } from "../src/vm/engines.js";
import { AddressSpace } from "../src/vm/memory.js";
import { checkStructure } from "../src/vm/validate.js";
import type { BenchCase, BenchSuite } from "./types.js";

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const source = readFileSync(here("../examples/least_loaded.s"), "utf8");
const memText = readFileSync(here("../examples/least_loaded.mem"), "utf8");
const memBytes = Uint8Array.from(memText.replace(/#.*$/gm, "").trim().split(/\s+/), (h) => Number.parseInt(h, 16));

/** The same policy written directly in JS: u64 counters compared as (hi, lo) u32 pairs. */
export function leastLoadedJs(words: Uint32Array): number {
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

function engineCase(engine: string, factory: EngineFactory): { c: BenchCase; run: () => number } {
  const mem = new AddressSpace();
  const region = mem.add("mem", memBytes.slice(), true);
  const vm = factory(checkStructure(assemble(source, "least_loaded.s")), { mem, helpers: new Map() });
  let _sink = 0;
  const run = (): number => vm.run(region.id, 0, memBytes.length);
  return {
    c: {
      name: `least_loaded/${engine}`,
      engine,
      baseline: "least_loaded/js",
      fn: () => {
        _sink ^= run();
      },
    },
    run,
  };
}

const words = new Uint32Array(memBytes.slice().buffer);
let jsSink = 0;
const cases: BenchCase[] = [
  {
    name: "least_loaded/js",
    engine: "js",
    fn: () => {
      jsSink ^= leastLoadedJs(words);
    },
  },
];
const runs: Array<() => number> = [];
for (const name of ["interp", "jit"]) {
  try {
    const { c, run } = engineCase(name, engineByName(name));
    cases.push(c);
    runs.push(run);
  } catch (e) {
    process.stderr.write(`least_loaded: no ${name} row (${(e as Error).message})\n`);
  }
}

// 88 instructions of pure dispatch: mov K never fuses and never touches memory.
const movs = `${Array.from({ length: 87 }, (_, i) => `mov %r${i % 9}, ${i}`).join("\n")}\nexit`;
{
  const mem = new AddressSpace();
  const vm = engineByName("interp")(checkStructure(assemble(movs, "movs.s")), { mem, helpers: new Map() });
  let _sink = 0;
  cases.push({
    name: "dispatch/interp",
    engine: "interp",
    baseline: "least_loaded/js",
    fn: () => {
      _sink ^= vm.run(0, 0, 0);
    },
  });
  runs.push(() => (vm.run(0, 0, 0) === 81 ? leastLoadedJs(words) : -1));
  void _sink;
}

export const suites: BenchSuite[] = [
  {
    name: "least_loaded",
    check: () => {
      const want = leastLoadedJs(words);
      for (const r of runs) {
        const got = r();
        if (got !== want) throw new Error(`least_loaded: engine returned ${got}, JS baseline ${want}`);
      }
      void jsSink;
    },
    cases,
  },
];
