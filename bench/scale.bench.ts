/**
 * Scale rows: 10,000,000 connections through `baton simulate` (summary, every
 * record streamed with `--ndjson`, and a burst that leaves millions of clients waiting to
 * retry at once), 32,768 listeners in one reuseport group, and a
 * 1,000,000-instruction program on the JIT (handed to the interpreter: above JIT_MAX_INSNS)
 * beside the interpreter. Each case runs once, in a child process of its own
 * (bench/scale-case.ts), so its peak RSS is measured alone; a row's ns/op is the whole case
 * (one op), and `peak_rss_mb` is the child's maximum resident set size. No repetitions, so
 * the margin of error reads 0: compare runs side by side, the machine's speed drifts.
 * `BATON_BENCH_SCALE_CONNECTIONS` changes the connection count (default 10,000,000).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { BenchSuite, ExternalCase } from "./types.js";

const root = fileURLToPath(new URL("..", import.meta.url));

interface CaseResult {
  readonly seconds: number;
  readonly peak_rss_mb: number;
  readonly [k: string]: unknown;
}

/** Run one case in its own process; its `SCALE {…}` line on stderr is the result. */
export function runScaleCase(name: string): CaseResult {
  const r = spawnSync(process.execPath, ["--import", "tsx", "bench/scale-case.ts", name], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  const line = r.stderr.split("\n").find((l) => l.startsWith("SCALE "));
  if (r.status !== 0 || line === undefined)
    throw new Error(`scale case ${name} failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  const res = JSON.parse(line.slice(6)) as CaseResult;
  process.stderr.write(`scale: ${line.slice(6)}\n`);
  return res;
}

const ROWS: readonly (readonly [string, string, string])[] = [
  ["simulate-10m", "scale/simulate-10m-conns summary", "js"],
  ["simulate-10m-ndjson", "scale/simulate-10m-conns --ndjson", "js"],
  ["simulate-10m-inflight", "scale/simulate-10m-conns in flight", "js"],
  ["listeners-32k", "scale/listeners-32k setup+simulate", "js"],
  ["jit-1m", "scale/1m-insns make+run", "jit"],
  ["interp-1m", "scale/1m-insns make+run", "interp"],
];

export const suites: BenchSuite[] = [
  {
    name: "scale",
    cases: [],
    external: (): ExternalCase[] =>
      ROWS.map(([c, name, engine]) => {
        const r = runScaleCase(c);
        return { name, engine, nsPerOp: r.seconds * 1e9, rmePercent: 0, peakRssMB: r.peak_rss_mb };
      }),
  },
];
