/**
 * `npm run bench` (node --import tsx bench/run.ts [filter]): loads every bench/*.bench.ts, checks
 * each suite's cases agree, times every case with the `benchmark` package, prints a table and
 * writes bench/results/latest.json (rows: name, engine, ns_per_op, rme_percent, baseline,
 * ratio_to_baseline). Per-case time is capped so the whole run stays around a minute or two.
 */
import Benchmark from "benchmark";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";
import type { BenchSuite, ResultRow } from "./types.js";
import { tuneV8 } from "../src/cli/v8-tuning.js";

// The same V8 settings as the CLI, so in-process rows and `baton bench` rows compare.
tuneV8();

const dir = fileURLToPath(new URL(".", import.meta.url));
const filter = process.argv[2];
const MAX_TIME_S = Number(process.env.BATON_BENCH_MAX_TIME ?? "3");

async function loadSuites(): Promise<BenchSuite[]> {
  const out: BenchSuite[] = [];
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith(".bench.ts"))
    .sort()) {
    let mod: { suites?: BenchSuite[] };
    try {
      mod = (await import(pathToFileURL(join(dir, f)).href)) as { suites?: BenchSuite[] };
    } catch (e) {
      // One broken module (e.g. an engine mid-rewrite) must not hide the other suites' figures.
      process.stderr.write(`skipping ${f}: ${(e as Error).message}\n`);
      continue;
    }
    for (const s of mod.suites ?? []) if (filter === undefined || s.name.includes(filter)) out.push(s);
  }
  return out;
}

function timeCase(name: string, fn: () => void): { ns: number; rme: number } {
  const b = new Benchmark(name, fn, { maxTime: MAX_TIME_S, minSamples: 10 });
  b.run({ async: false });
  if (b.error !== undefined) throw b.error as Error;
  return { ns: b.stats.mean * 1e9, rme: b.stats.rme };
}

const rows: ResultRow[] = [];
for (const suite of await loadSuites()) {
  try {
    suite.check?.();
  } catch (e) {
    process.stderr.write(`skipping suite ${suite.name}: ${(e as Error).message}\n`);
    continue;
  }
  const byName = new Map<string, number>();
  for (const c of suite.cases) {
    const { ns, rme } = timeCase(c.name, c.fn);
    byName.set(c.name, ns);
    rows.push({
      name: c.name,
      engine: c.engine,
      ns_per_op: Math.round(ns * 10) / 10,
      rme_percent: Math.round(rme * 100) / 100,
      baseline: c.baseline ?? null,
      ratio_to_baseline: null,
    });
  }
  for (const x of suite.external?.() ?? []) {
    rows.push({
      name: x.name,
      engine: x.engine,
      ns_per_op: Math.round(x.nsPerOp * 10) / 10,
      rme_percent: Math.round(x.rmePercent * 100) / 100,
      baseline: x.baseline ?? null,
      ratio_to_baseline: null,
      ...(x.peakRssMB !== undefined ? { peak_rss_mb: x.peakRssMB } : {}),
    });
  }
  for (const r of rows) {
    if (r.baseline !== null && r.ratio_to_baseline === null && byName.has(r.baseline)) {
      r.ratio_to_baseline = Math.round((r.ns_per_op / byName.get(r.baseline)!) * 100) / 100;
    }
  }
}

const w = Math.max(4, ...rows.map((r) => r.name.length));
const lines = [`${"name".padEnd(w)}  ${"engine".padEnd(6)}  ${"ns/op".padStart(10)}  ${"±%".padStart(6)}  vs baseline`];
for (const r of rows) {
  const ratio = r.ratio_to_baseline !== null ? `${r.ratio_to_baseline.toFixed(2)}x ${r.baseline}` : "-";
  const rss = r.peak_rss_mb !== undefined ? `  peak RSS ${r.peak_rss_mb} MB` : "";
  lines.push(
    `${r.name.padEnd(w)}  ${r.engine.padEnd(6)}  ${r.ns_per_op.toFixed(1).padStart(10)}  ${r.rme_percent.toFixed(2).padStart(6)}  ${ratio}${rss}`,
  );
}
process.stdout.write(`${lines.join("\n")}\n`);
mkdirSync(join(dir, "results"), { recursive: true });
writeFileSync(join(dir, "results", "latest.json"), `${JSON.stringify(rows, null, 2)}\n`);
