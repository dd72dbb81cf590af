/**
 * The socket model at scale: a rolling restart of 64 listeners (64 old workers replaced by
 * 64 new ones, tcp_migrate_req=1, kernel pick) under a steady stream of connections.
 * `check` runs the full 1,000,000-connection restart once and reports its wall time and peak
 * heap (sampled every 2^16 finished connections through the streaming callback, so the
 * figure shows whether memory grows with the connection count) on stderr and in
 * bench/results/simulate-1m.json; the timed case is the same restart with 10,000 connections
 * (one op = one whole simulation). Nothing is asserted about time.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { fileURLToPath } from "node:url";
import { parseScenario, type Scenario } from "../src/model/scenario.js";
import type { SimResult } from "../src/model/sim-result.js";
import { simulate } from "../src/model/simulator.js";
import type { BenchSuite } from "./types.js";

/** A rolling restart of `workers` listeners with `connections` clients spread over ~10 s. */
export function rollingRestartScenario(workers: number, connections: number): Scenario {
  return parseScenario(JSON.stringify(rollingRestartJson(workers, connections)), "bench:rolling-restart");
}

/** The same scenario as a scenario file's JSON (for runs through the CLI). */
export function rollingRestartJson(workers: number, connections: number): object {
  const durationMs = 12_000;
  const arrivalMs = 10_000;
  const rate = Math.max(1, Math.ceil((connections * 1000) / arrivalMs));
  // Accept capacity 3x the arrival rate, so queues stay short unless a listener stops accepting.
  const acceptRate = Math.max(100, Math.ceil((3 * rate) / workers));
  const listeners: object[] = [];
  const events: object[] = [];
  for (let i = 0; i < workers; i++) listeners.push({ name: `old${i}`, backlog: 4096, acceptRate, listenAt: 0 });
  for (let i = 0; i < workers; i++) listeners.push({ name: `new${i}`, backlog: 4096, acceptRate });
  // New generation joins over 1.0–1.64 s; each old worker stops accepting 50 ms before its
  // close, and the closes are spread over 2–8.4 s, so every close has a queue to migrate.
  const step = Math.floor(6400 / workers);
  for (let i = 0; i < workers; i++) {
    events.push({ at: 1000 + i * 10, do: "listen", listener: `new${i}` });
    events.push({ at: 1950 + i * step, do: "accept-rate", listener: `old${i}`, rate: 0 });
    events.push({ at: 2000 + i * step, do: "close", listener: `old${i}` });
  }
  return {
    name: `rolling-restart-${workers}x${connections}`,
    description: "bench: rolling restart with kernel-pick migration",
    seed: 7,
    port: 8080,
    durationMs,
    sampleMs: 100,
    sysctls: { tcp_migrate_req: 1 },
    listeners,
    clients: [
      { name: "steady", startMs: 0, count: connections, rate, src: "10.0.0.1", srcPort: 1024, ackDelayMs: 0.1 },
    ],
    events,
  };
}

/**
 * A full collection before each heap sample, so the figure is live data rather than garbage
 * awaiting GC. `npm run bench` does not pass --expose-gc, so the flag is set at run time and
 * `gc` fetched from a fresh context (V8 installs it there once the flag is on).
 */
function findGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g !== undefined) return g;
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return undefined; // heap figures then include garbage; say so in the output
  }
}
const gc = findGc();

export interface ScaleRun {
  readonly connections: number;
  readonly seconds: number;
  readonly peakHeapMB: number;
  /** Heap in use when 10% of the connections had finished (to compare with the peak). */
  readonly heapAtTenthMB: number;
  readonly result: SimResult;
}

/** Run the restart once with `connections` clients, tracking heap through the record stream. */
export function runAtScale(connections: number, workers = 64): ScaleRun {
  const sc = rollingRestartScenario(workers, connections);
  let done = 0;
  let peak = 0;
  let atTenth = 0;
  const tenth = Math.floor(connections / 10);
  const t0 = process.hrtime.bigint();
  const result = simulate(sc, {
    onConnection: () => {
      done++;
      if ((done & 0xffff) === 0 || done === tenth) {
        gc?.();
        const h = process.memoryUsage().heapUsed;
        if (h > peak) peak = h;
        if (done === tenth) atTenth = h;
      }
    },
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const mb = (b: number): number => Math.round((b / 2 ** 20) * 10) / 10;
  return {
    connections,
    seconds: Math.round(seconds * 100) / 100,
    peakHeapMB: mb(peak),
    heapAtTenthMB: mb(atTenth),
    result,
  };
}

const FULL = Number(process.env.BATON_BENCH_SIM_CONNECTIONS ?? "1000000");
const small = rollingRestartScenario(64, 10_000);
let sink = 0;

export const suites: BenchSuite[] = [
  {
    name: "simulate",
    check: () => {
      const r = runAtScale(FULL);
      const c = r.result.connections;
      const line = {
        connections: r.connections,
        listeners: 64,
        seconds: r.seconds,
        peak_heap_mb: r.peakHeapMB,
        heap_at_10pct_mb: r.heapAtTenthMB,
        heap_is_live_data: gc !== undefined,
        accepted: c.accepted,
        reset: c.reset,
        timed_out: c.timedOut,
        migrations: r.result.migrations,
      };
      process.stderr.write(`simulate: ${JSON.stringify(line)}\n`);
      const dir = fileURLToPath(new URL("./results/", import.meta.url));
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${dir}simulate-1m.json`, `${JSON.stringify(line, null, 2)}\n`);
      if (c.total !== FULL) throw new Error(`simulate: expected ${FULL} connections, got ${c.total}`);
    },
    cases: [
      {
        name: "simulate/rolling-restart-64/10k-conns",
        engine: "js",
        fn: () => {
          sink ^= simulate(small).connections.accepted;
        },
      },
    ],
  },
];
void sink;
