/**
 * One scale case of bench/scale.bench.ts, run in a process of its own so that its peak memory
 * is its own: `node --import tsx bench/scale-case.ts CASE`. Prints one line,
 * `SCALE {"seconds", "peak_rss_mb", ...}`, on stderr: seconds of the case itself (after module
 * loading), and the process's maximum resident set size (`process.resourceUsage().maxRSS`),
 * which includes Node and the loaded modules (about 70–100 MB). Cases:
 * - `simulate-10m`, `simulate-10m-ndjson`: `baton simulate` of the 64-worker rolling restart
 *   (bench/simulate.bench.ts) with 10,000,000 connections: the summary, and every record
 *   streamed with `--ndjson` (to a temporary file, removed afterwards);
 * - `simulate-10m-inflight`: 10,000,000 connections arriving within 2 s at one listener that
 *   accepts 100,000 a second: most SYNs are dropped and their clients wait to retry, so millions
 *   are in flight at once (memory per waiting client, not per finished connection);
 * - `listeners-32k`: a scenario of 32,768 listeners on one port (one full reuseport group) and
 *   1,000 connections, validated and simulated;
 * - `jit-1m`, `interp-1m`: a 1,000,000-instruction program (adds, a never-taken branch every 8th
 *   slot) made into an engine and run once; above JIT_MAX_INSNS the JIT hands it to the
 *   interpreter, so the two rows should read alike.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../src/cli/main.js";
import { tuneV8 } from "../src/cli/v8-tuning.js";
import { validateScenario } from "../src/model/scenario.js";
import { simulate } from "../src/model/simulator.js";
import { engineByName } from "../src/vm/engines.js";
import { decode } from "../src/vm/isa.js";
import { AddressSpace } from "../src/vm/memory.js";
import { rollingRestartJson } from "./simulate.bench.js";

tuneV8(); // as the CLI

export const CONNECTIONS = Number(process.env.BATON_BENCH_SCALE_CONNECTIONS ?? "10000000");
export const LISTENERS = 32_768;
export const PROGRAM_INSNS = 1_000_000;

/** `n` slots: mov r0, 0; adds, with `jeq r0, -1, +1` every 8th slot; exit. */
export function bigProgram(n: number): Uint8Array {
  const b = new Uint8Array(n * 8);
  const dv = new DataView(b.buffer);
  const put = (i: number, op: number, off: number, imm: number): void => {
    b[i * 8] = op;
    dv.setInt16(i * 8 + 2, off, true);
    dv.setInt32(i * 8 + 4, imm, true);
  };
  put(0, 0xb7, 0, 0); // mov r0, 0
  for (let i = 1; i < n - 1; i++) {
    if (i % 8 === 0 && i + 2 < n - 1)
      put(i, 0x15, 1, -1); // jeq r0, -1, +1
    else put(i, 0x07, 0, 1); // add r0, 1
  }
  put(n - 1, 0x95, 0, 0); // exit
  return b;
}

/** Arrivals far above the accept rate: clients pile up waiting to resend their SYNs. */
export function inflightJson(connections: number): object {
  return {
    name: `inflight-${connections}`,
    durationMs: 10_000,
    sampleMs: 100,
    sysctls: { tcp_syncookies: 0 }, // a full SYN queue drops SYNs: the clients retry them
    listeners: [{ name: "slow", backlog: 4096, acceptRate: 100_000, listenAt: 0 }],
    clients: [{ name: "burst", count: connections, rate: Math.max(1, connections / 2), ackDelayMs: 0.1 }],
  };
}

async function simulateCli(
  ndjson: boolean,
  scenario: object = rollingRestartJson(64, CONNECTIONS),
): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), "baton-scale-"));
  try {
    const file = join(dir, "scenario.json");
    writeFileSync(file, JSON.stringify(scenario));
    const args = ["simulate", file, ...(ndjson ? ["--ndjson", join(dir, "out.ndjson")] : [])];
    let out = "";
    const code = await main(args, { out: (t) => (out += t), err: (t) => process.stderr.write(`${t}\n`) });
    if (code !== 0) throw new Error(`baton ${args.join(" ")} exited ${code}`);
    return { connections: Number(/connections (\d+)/.exec(out)?.[1] ?? -1) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CASES: Record<string, () => Promise<Record<string, unknown>> | Record<string, unknown>> = {
  "simulate-10m": () => simulateCli(false),
  "simulate-10m-ndjson": () => simulateCli(true),
  "simulate-10m-inflight": () => simulateCli(false, inflightJson(CONNECTIONS)),
  "listeners-32k": () => {
    const listeners = Array.from({ length: LISTENERS }, (_, i) => ({ name: `l${i}`, listenAt: 0 }));
    const sc = validateScenario(
      { name: "listeners-32k", durationMs: 1000, sampleMs: 100, listeners, clients: [{ count: 1000, rate: 1000 }] },
      "bench:listeners-32k",
    );
    const r = simulate(sc);
    return { listening: r.listeners.filter((l) => l.state === "LISTEN").length, accepted: r.connections.accepted };
  },
  "jit-1m": () => runProgram("jit"),
  "interp-1m": () => runProgram("interp"),
};

function runProgram(engine: string): Record<string, unknown> {
  const e = engineByName(engine)(decode(bigProgram(PROGRAM_INSNS)), {
    mem: new AddressSpace(),
    helpers: new Map(),
    budget: 2 * PROGRAM_INSNS,
  });
  const r0 = e.run(0, 0, 0);
  return { r0, executed: e.executed, ...(e.note !== undefined ? { note: e.note } : {}) };
}

const name = process.argv[2] ?? "";
const run = CASES[name];
if (run === undefined) {
  process.stderr.write(`unknown case ${JSON.stringify(name)}; expected one of ${Object.keys(CASES).join(", ")}\n`);
  process.exit(2);
}
const t0 = process.hrtime.bigint();
const detail = await run();
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage();
process.stderr.write(
  `SCALE ${JSON.stringify({ case: name, seconds: Math.round(seconds * 100) / 100, cpu_seconds: Math.round(((cpu.user + cpu.system) / 1e6) * 100) / 100, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), ...detail })}\n`,
);
