/**
 * Verification time: one op = one `verify()` of a program. Cases: a typical migration policy
 * (goal < 5 ms), the whole verifier corpus (one op = every program once), a 1,000-iteration
 * bounded loop, and the 1M-instruction budget case (goal < 5 s; its wall time is reported once
 * on stderr by `check` rather than timed repeatedly).
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { assemble } from "../src/vm/asm/assembler.js";
import { decode, type Insn } from "../src/vm/isa.js";
import type { MapSpec } from "../src/vm/map-spec.js";
import { BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, SK_REUSEPORT } from "../src/vm/program-type.js";
import { parseMapArg } from "../src/verifier/map-arg.js";
import { verify } from "../src/verifier/index.js";
import type { BenchSuite } from "./types.js";

const corpusDir = fileURLToPath(new URL("../test/verifier/corpus/", import.meta.url));

interface Prog {
  insns: Insn[];
  maps: MapSpec[];
  attach: number;
}

function load(source: string): Prog {
  const maps = (/^# maps: ?(.*)$/m.exec(source)?.[1] ?? "")
    .split(/\s+/)
    .filter((s) => s !== "")
    .map(parseMapArg);
  const attach = /^# attach: ?(\S+)/m.exec(source)?.[1] ?? "select_or_migrate";
  return {
    insns: decode(assemble(source)),
    maps,
    attach: SK_REUSEPORT.attachTypes[attach] ?? BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
  };
}

const run = (p: Prog) => verify(p.insns, { type: SK_REUSEPORT, attachType: p.attach, maps: p.maps });

const POLICY = load(
  readFileSync(
    join(
      corpusDir,
      readdirSync(corpusDir).find((f) => f.includes("select-migrate-path"))!,
    ),
    "utf8",
  ),
);
const CORPUS = readdirSync(corpusDir)
  .filter((f) => f.endsWith(".s") && !f.includes("too-large") && !f.includes("unbounded-hash"))
  .map((f) => load(readFileSync(join(corpusDir, f), "utf8")));
const LOOP_1000 = load("mov %r1, 0\nmov %r2, 0\nlp:\nadd %r2, %r1\nadd %r1, 1\njlt %r1, 1000, lp\nmov %r0, 1\nexit");
const BUDGET = load("mov %r1, 0\nlp:\nadd %r1, 1\njlt %r1, 600000, lp\nmov %r0, 1\nexit");

export const suites: BenchSuite[] = [
  {
    name: "verifier",
    check() {
      if (!run(POLICY).accepted || !run(LOOP_1000).accepted) throw new Error("benchmark programs must verify");
      const t0 = performance.now();
      const r = run(BUDGET);
      const ms = performance.now() - t0;
      process.stderr.write(
        `verifier: 1M-insn budget case: ${r.error?.message ?? "accepted?"} in ${ms.toFixed(0)} ms (goal < 5000 ms)\n`,
      );
    },
    cases: [
      { name: "verify/migration_policy", engine: "verifier", fn: () => void run(POLICY) },
      {
        name: `verify/corpus_${CORPUS.length}_programs`,
        engine: "verifier",
        fn: () => CORPUS.forEach((p) => void run(p)),
      },
      { name: "verify/loop_1000", engine: "verifier", fn: () => void run(LOOP_1000) },
    ],
  },
];
