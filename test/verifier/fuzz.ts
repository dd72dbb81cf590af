/**
 * Longer soundness run: `npx tsx test/verifier/fuzz.ts [PROGRAMS] [RUNS_PER_PROGRAM] [FIRST_SEED]`.
 * Each seed runs twice: as generated and with narrow spills (`generate(seed, false, true)`).
 * Prints the counts and every failing program; exits 1 on any failure.
 */
import { fuzzOne, type FuzzStats } from "./fuzz-lib.js";

const n = Number(process.argv[2] ?? 5000);
const runs = Number(process.argv[3] ?? 50);
const first = Number(process.argv[4] ?? 1);
const stats: FuzzStats = { tried: 0, assembled: 0, accepted: 0, runs: 0, failures: [] };
for (let s = first; s < first + n; s++) {
  fuzzOne(s, runs, stats);
  // The same seed with narrow (4-byte) spills at aligned slots.
  fuzzOne(s, runs, stats, true);
  if (stats.failures.length > 0) break;
}
console.log(
  `tried ${stats.tried}, assembled ${stats.assembled}, accepted ${stats.accepted}, runs ${stats.runs}, failures ${stats.failures.length}`,
);
for (const f of stats.failures) console.log(`---\n${f}`);
process.exitCode = stats.failures.length > 0 ? 1 : 0;
