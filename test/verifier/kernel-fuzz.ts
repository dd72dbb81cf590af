/**
 * Differential fuzzing of Baton's verifier against the running kernel's (root only).
 *
 *   [BATON_SRC=/path/to/src] npx tsx test/verifier/kernel-fuzz.ts [COUNT] [FIRST_SEED] [CLASS|all|narrow]
 *       [--jobs J] [--out DIR] [--full-budget] [--quiet] [--seconds S]
 *   [BATON_SRC=…] npx tsx test/verifier/kernel-fuzz.ts --file A.s B.s …   (diff given files, GEN_MAPS unless `# maps:`)
 *
 * CLASS is a generator of gen/classes.ts (linked, callee, negoff, atomic, argmin, rules,
 * legacy = fuzz-lib's generate(seed, true)); `narrow` is the legacy generator's narrow mode.
 * `all` runs COUNT programs in total, round-robin over the classes: program i uses class
 * i % 7 with seed FIRST_SEED + floor(i / 7). A finding reproduces with
 * `kernel-fuzz.ts 1 SEED CLASS`. --seconds S stops starting new programs after S seconds
 * (the summary says how many ran).
 *
 * BATON_SRC picks the tree whose verifier (and assembler and kernel bridge) is tested, e.g.
 * the frozen pre-fix worktree: BATON_SRC=/work/prefix/src. Default: this checkout's src/.
 *
 * Each program goes to the kernel (native/bpf_verify, log level 1; J requests in flight,
 * default 4, since the bridge spawns one process per program) and to Baton's verify()
 * (SK_REUSEPORT, attach type 40). Outcomes:
 *   over   Baton accepts, the kernel rejects (unsound: the serious one)
 *   under  the kernel accepts, Baton rejects (excluding the documented return-value rule)
 *   weak   the kernel accepts; Baton runs out of its budget, which is 1.5x the kernel's
 *          processed count + 20 (min 5,000; --full-budget: 1,000,000): "too weak"
 *   slow   both accept; Baton processed > 1.5x the kernel's and at least 20 more insns
 *   crash  Baton's verify() threw something other than a VerifyError (internal error)
 * For kernel-rejected programs Baton gets 200,000 insns (--full-budget: 1,000,000).
 * A bridge refusal of an undeclared map fd counts as a kernel rejection (the kernel refuses
 * any lddw whose fd is not a map, dead code included). Every disagreement is written as a
 * corpus-style file to DIR/<outcome>/<class>-seed-<N>.s (default /tmp/fuzz-findings).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { generate } from "./gen/legacy.js";
import { GEN_CLASSES, GENERATORS, RULES, type GenClass } from "./gen/classes.js";
import { GEN_MAPS, GEN_MAPS_HEADER } from "./gen/prog.js";
import { loadDiffer, OUTCOMES, type Job, type Outcome, type Result } from "./gen/differ.js";

const args = process.argv.slice(2);
const flag = (name: string): boolean => {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
};
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1] ?? dflt;
  args.splice(i, 2);
  return v;
};
const jobs = Number(opt("--jobs", "4"));
const outDir = opt("--out", "/tmp/fuzz-findings");
const fullBudget = flag("--full-budget");
const quiet = flag("--quiet");
const fileMode = flag("--file");
const seconds = Number(opt("--seconds", "0"));

const differ = await loadDiffer(
  process.env.BATON_SRC === undefined ? undefined : resolve(process.env.BATON_SRC),
  fullBudget,
);
const srcRoot = differ.srcRoot;

function finding(job: Job, res: Result): string {
  const desc = `fuzz ${job.cls} seed ${job.seed}: ${res.outcome} (kernel ${res.kAccepted ? "accepts" : "rejects"} after ${res.kProcessed} insns; Baton ${res.bMsg === "" ? "accepts" : `'${res.bMsg}'`} after ${res.bProcessed ?? "?"} insns)`;
  const head = [`# desc: ${desc}`, `# expect: ${res.kAccepted ? "accept" : "reject"}`];
  if (!res.kAccepted) head.push(`# kernel: ${res.kMsg}`);
  head.push(`# maps: ${job.mapsHeader}`, "# attach: select_or_migrate");
  if (res.outcome === "over" || res.outcome === "under" || res.outcome === "weak")
    head.push(`# baton: ${res.kAccepted ? "reject" : "accept"} (${res.outcome}; fuzz class ${job.cls})`);
  return `${[...head, ...job.src.split("\n").filter((l) => !/^# (desc|expect|kernel|maps|attach|baton):/.test(l))].join("\n")}\n`;
}

function jobsFromArgs(): { list: () => Iterable<Job>; total: number } {
  if (fileMode) {
    const files = args;
    return {
      total: files.length,
      *list() {
        for (const f of files) {
          const src = readFileSync(f, "utf8");
          const m = /^# maps: ?(.*)$/m.exec(src);
          const header = m === null ? GEN_MAPS_HEADER : m[1]!.trim();
          const maps = m === null ? GEN_MAPS : differ.parseMaps(header);
          yield { cls: f.split("/").pop()!.replace(/\.s$/, ""), seed: 0, src, maps, mapsHeader: header };
        }
      },
    };
  }
  const count = Number(args[0] ?? 200);
  const first = Number(args[1] ?? 1);
  const which = args[2] ?? "all";
  if (which !== "all" && which !== "narrow" && !GEN_CLASSES.includes(which as GenClass)) {
    console.error(`unknown class '${which}'; expected all, narrow or one of ${GEN_CLASSES.join(", ")}`);
    process.exit(2);
  }
  return {
    total: count,
    *list() {
      for (let i = 0; i < count; i++) {
        const cls = which === "all" ? GEN_CLASSES[i % GEN_CLASSES.length]! : which;
        const seed = which === "all" ? first + Math.floor(i / GEN_CLASSES.length) : first + i;
        const src = cls === "narrow" ? generate(seed, true, true) : GENERATORS[cls as GenClass](seed);
        // Rules programs are counted per rule (the rule is seed % RULES.length).
        const label = cls === "rules" ? `rules.${RULES[seed % RULES.length]}` : cls;
        yield { cls: label, seed, src, maps: GEN_MAPS, mapsHeader: GEN_MAPS_HEADER };
      }
    },
  };
}

const avail = differ.available;
if (!avail.available) {
  console.error(`kernel not available: ${avail.reason}`);
  process.exit(1);
}
const { list, total } = jobsFromArgs();
const counts = new Map<string, Map<Outcome, number>>();
const examples = new Map<string, number[]>();
const bump = (cls: string, o: Outcome): void => {
  const m = counts.get(cls) ?? new Map<Outcome, number>();
  m.set(o, (m.get(o) ?? 0) + 1);
  counts.set(cls, m);
};
const it = list()[Symbol.iterator]();
const t0 = Date.now();
let done = 0;
async function worker(): Promise<void> {
  for (;;) {
    if (seconds > 0 && Date.now() - t0 > seconds * 1000) return;
    const n = it.next();
    if (n.done === true) return;
    const job = n.value;
    const res = await differ.run(job);
    bump(job.cls, res.outcome);
    done++;
    if (res.outcome !== "agree" && res.outcome !== "skip") {
      const dir = `${outDir}/${res.outcome}`;
      mkdirSync(dir, { recursive: true });
      const file = `${dir}/${job.cls}-seed-${job.seed}.s`;
      writeFileSync(file, finding(job, res));
      const key = `${job.cls}/${res.outcome}`;
      const ex = examples.get(key) ?? [];
      if (ex.length < 5) ex.push(job.seed);
      examples.set(key, ex);
      if (!quiet)
        console.log(
          `${res.outcome.toUpperCase()} ${job.cls} seed ${job.seed}: kernel ${res.kAccepted ? `accepts (${res.kProcessed})` : `'${res.kMsg}'`} | baton ${res.bMsg === "" ? `accepts (${res.bProcessed})` : `'${res.bMsg}'`} -> ${file}`,
        );
    }
    if (done % 2000 === 0) console.error(`… ${done}/${total} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
}
await Promise.all(Array.from({ length: jobs }, worker));
const secs = (Date.now() - t0) / 1000;
console.log(`\nverifier under test: ${srcRoot}`);
console.log(
  `${done} programs in ${secs.toFixed(1)} s (${(done / secs).toFixed(1)} programs/s, ${jobs} kernel requests in flight)`,
);
const cols: Outcome[] = ["agree", ...OUTCOMES, "skip"];
console.log(["class".padEnd(22), ...cols.map((c) => c.padStart(7))].join(""));
for (const [cls, m] of [...counts].sort())
  console.log([cls.padEnd(22), ...cols.map((c) => String(m.get(c) ?? 0).padStart(7))].join(""));
for (const [key, seeds] of [...examples].sort()) console.log(`  ${key}: seeds ${seeds.join(", ")}`);
