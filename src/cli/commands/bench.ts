/**
 * `baton bench FILE [--engine interp|jit] [--mem HEX | --mem-file FILE] [--rounds N] [--json]`:
 * time repeated runs of one program. About 10^5 warm-up runs (so the engine's hot loop is
 * optimised), then N rounds of at least ~50 ms each; prints the median ns/run with the min–max
 * over rounds. Wall-clock figures depend on the machine and its load; nothing here is asserted.
 */
import { UsageError, VmTrap } from "../../errors.js";
import { intOption, parseCommandArgs, type Command } from "../command.js";
import { loadProgram, memoryFrom, prepare, reportTrap } from "./run.js";

export interface Timing {
  /** Median over rounds. */
  readonly nsPerRun: number;
  readonly min: number;
  readonly max: number;
  /** Timed runs (warm-up excluded). */
  readonly runs: number;
}

const now = (): bigint => process.hrtime.bigint();

/** Time `fn` (one run per call): warm-up, then `rounds` rounds of at least `roundMs` each. */
export function measure(fn: () => void, rounds = 7, warmup = 100_000, roundMs = 50): Timing {
  for (let i = 0; i < warmup; i++) fn();
  // Batch size: enough calls for ~roundMs, from a 10 ms probe.
  let batch = 1000;
  let t0 = now();
  let probe = 0;
  while (Number(now() - t0) < 10e6) {
    for (let i = 0; i < batch; i++) fn();
    probe += batch;
  }
  const perRun = Number(now() - t0) / probe;
  batch = Math.max(1000, Math.ceil((roundMs * 1e6) / Math.max(perRun, 1)));
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    t0 = now();
    for (let i = 0; i < batch; i++) fn();
    samples.push(Number(now() - t0) / batch);
  }
  samples.sort((a, b) => a - b);
  return { nsPerRun: samples[Math.floor(samples.length / 2)]!, min: samples[0]!, max: samples[samples.length - 1]!, runs: rounds * batch };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

export const command: Command = {
  name: "bench",
  summary: "time repeated runs of a program (median ns/run over rounds)",
  usage: [
    "baton bench FILE (.s | .bin) [--engine interp|jit] [--mem HEX | --mem-file FILE] [--rounds N] [--json]",
    "  --json  print {\"ns_per_run\": x, \"min\": x, \"max\": x, \"runs\": N}",
  ].join("\n"),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      engine: { type: "string" },
      mem: { type: "string" },
      "mem-file": { type: "string" },
      rounds: { type: "string" },
      json: { type: "boolean" },
    });
    if (positionals.length !== 1) throw new UsageError(`expected one program file, got ${positionals.length}`);
    const rounds = intOption("rounds", values.rounds, 7, 1, 1000);
    const memBytes = memoryFrom(values);
    const prog = loadProgram(positionals[0]!);
    const { engine, r1hi, r2 } = prepare(prog, memBytes, values.engine ?? "interp");
    // One checked run first: a trapping program is reported, not timed.
    try {
      engine.run(r1hi, 0, r2);
    } catch (e) {
      if (e instanceof VmTrap) return reportTrap(e, prog, io);
      throw e;
    }
    const executed = engine.executed;
    const t = measure(() => {
      engine.run(r1hi, 0, r2);
    }, rounds);
    if (values.json === true) {
      io.out(`{"ns_per_run": ${round1(t.nsPerRun)}, "min": ${round1(t.min)}, "max": ${round1(t.max)}, "runs": ${t.runs}}`);
    } else {
      const per = executed > 0 ? `, ${(t.nsPerRun / executed).toFixed(2)} ns/insn over ${executed} instructions` : "";
      io.out(`${positionals[0]} (${values.engine ?? "interp"}): ${t.nsPerRun.toFixed(1)} ns/run (min ${t.min.toFixed(1)} – max ${t.max.toFixed(1)}, ${rounds} rounds, ${t.runs} runs${per})`);
    }
    return 0;
  },
};
