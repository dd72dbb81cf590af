/**
 * `baton bench FILE [--engine interp|jit] [--mem HEX | --mem-file FILE] [--rounds N] [--json]`:
 * time repeated runs of one program. About 10^5 warm-up runs (so the engine's hot loop is
 * optimised), then N rounds of at least ~50 ms each; prints the median ns/run with the min–max
 * over rounds. Wall-clock figures depend on the machine and its load; nothing here is asserted.
 *
 * `baton bench --policy FILE [--engine E] [--listeners N]` times one request through the whole
 * reuseport hook of the socket model (hook-bench.ts), alternating new connections and
 * migrations, and the same program's bare engine run; `hook_overhead_ns` is the median of
 * per-pair differences over paired rounds, `hook_overhead_spread_ns` their quartiles [q1, q3].
 * `baton bench --kernel-pick [--listeners N]` times the no-program path (R11).
 */
import { UsageError, VmTrap } from "../../errors.js";
import { intOption, parseCommandArgs, type Command } from "../command.js";
import { loadProgram, memoryFrom, prepare, reportTrap } from "./run.js";
import { isPolicy } from "../policy-run.js";
import { BATCH, buildHookBench, loadHookPolicy } from "../hook-bench.js";
import { engineByName } from "../../vm/engines.js";
import { selectEngine } from "../policy-engine.js";
import type { CliIO } from "../command.js";
import { plural } from "../../plural.js";

export interface Timing {
  /** Median over rounds. */
  readonly nsPerRun: number;
  readonly min: number;
  readonly max: number;
  /** Timed runs (warm-up excluded). */
  readonly runs: number;
}

/**
 * Which clock rounds are timed with. "cpu" (process user+system time, µs resolution) does not
 * count the time the process waits for a core, so figures stay meaningful on a loaded,
 * shared machine; "wall" is the monotonic clock.
 */
export type BenchClock = "cpu" | "wall";

const wallNs = (): number => Number(process.hrtime.bigint());
const cpuNs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};

/** Time `fn` (one run per call): warm-up, then `rounds` rounds of at least `roundMs` each. */
export function measure(fn: () => void, rounds = 7, warmup = 100_000, roundMs = 50, clock: BenchClock = "cpu"): Timing {
  const now = clock === "cpu" ? cpuNs : wallNs;
  for (let i = 0; i < warmup; i++) fn();
  // Batch size: enough calls for ~roundMs, from a 10 ms probe.
  let batch = 1000;
  let t0 = now();
  let probe = 0;
  while (now() - t0 < 10e6) {
    for (let i = 0; i < batch; i++) fn();
    probe += batch;
  }
  const perRun = (now() - t0) / probe;
  batch = Math.max(1000, Math.ceil((roundMs * 1e6) / Math.max(perRun, 1)));
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    t0 = now();
    for (let i = 0; i < batch; i++) fn();
    samples.push((now() - t0) / batch);
  }
  samples.sort((a, b) => a - b);
  return {
    nsPerRun: samples[Math.floor(samples.length / 2)]!,
    min: samples[0]!,
    max: samples[samples.length - 1]!,
    runs: rounds * batch,
  };
}

export interface PairedTiming {
  /** Per-call figures of `a` and of `b` over their rounds (median, min, max). */
  readonly a: Timing;
  readonly b: Timing;
  /** Median over pairs of (a − b) per call, each pair's two rounds back to back. */
  readonly diff: number;
  /** Quartiles of the per-pair differences: the spread the median comes with. */
  readonly diffQ1: number;
  readonly diffQ3: number;
  readonly pairs: number;
}

const quantile = (sorted: readonly number[], q: number): number => {
  const x = q * (sorted.length - 1);
  const lo = Math.floor(x);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (x - lo);
};

function callsFor(fn: () => void, now: () => number, roundMs: number): number {
  let n = 0;
  const t0 = now();
  while (now() - t0 < 5e6) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
  }
  return Math.max(100, Math.ceil((roundMs * 1e6) / Math.max((now() - t0) / n, 0.1)));
}

function summary(samples: number[], runs: number): Timing {
  samples.sort((x, y) => x - y);
  return { nsPerRun: quantile(samples, 0.5), min: samples[0]!, max: samples[samples.length - 1]!, runs };
}

/**
 * Time `a` against `b` in pairs of short back-to-back rounds on one clock, so load changes on
 * a shared machine hit both sides of a pair alike; a difference of two separately measured
 * medians swings by more than the few ns being measured. The order inside a pair alternates
 * (ab, ba, …) so a steady drift cancels instead of biasing the difference.
 */
export function measurePaired(
  a: () => void,
  b: () => void,
  pairs = 70,
  warmup = 100_000,
  roundMs = 5,
  clock: BenchClock = "cpu",
): PairedTiming {
  const now = clock === "cpu" ? cpuNs : wallNs;
  for (let i = 0; i < warmup; i++) {
    a();
    b();
  }
  const na = callsFor(a, now, roundMs);
  const nb = callsFor(b, now, roundMs);
  const sa: number[] = [];
  const sb: number[] = [];
  const d: number[] = [];
  const round = (fn: () => void, n: number): number => {
    const t0 = now();
    for (let i = 0; i < n; i++) fn();
    return (now() - t0) / n;
  };
  for (let p = 0; p < pairs; p++) {
    let ta: number;
    let tb: number;
    if ((p & 1) === 0) {
      ta = round(a, na);
      tb = round(b, nb);
    } else {
      tb = round(b, nb);
      ta = round(a, na);
    }
    sa.push(ta);
    sb.push(tb);
    d.push(ta - tb);
  }
  d.sort((x, y) => x - y);
  return {
    a: summary(sa, pairs * na),
    b: summary(sb, pairs * nb),
    diff: quantile(d, 0.5),
    diffQ1: quantile(d, 0.25),
    diffQ3: quantile(d, 0.75),
    pairs,
  };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

export const command: Command = {
  name: "bench",
  summary: "time repeated runs of a program (median ns/run over rounds)",
  usage: [
    "baton bench FILE (.s | .bin) [--engine interp|jit] [--mem HEX | --mem-file FILE] [--rounds N] [--clock cpu|wall] [--json]",
    "  --engine interp|jit  the interpreter (default) or the JIT",
    "  --mem HEX        input bytes (r1 points at them, r2 is their length), e.g. 'aa bb 01'",
    "  --mem-file FILE  input bytes as hex text ('#' comments allowed)",
    "  --rounds N       timed rounds (default 7); the median and min–max over rounds are printed",
    "  --clock cpu|wall cpu (default: process CPU time, robust on a shared machine) or wall",
    '  --json           print {"ns_per_run": x, "min": x, "max": x, "runs": N}',
    "baton bench --policy FILE (.baton | .o | .s | .bin) [--engine interp|jit] [--listeners N] [--state TEST] [--rounds N] [--no-verify] [--json]",
    '  --policy FILE    per-request cost through the socket model\'s reuseport hook; --json adds "engine_ns", "hook_overhead_ns" (median of paired rounds) and "hook_overhead_spread_ns" ([q1, q3])',
    "  the policy runs only if Baton's verifier accepts it (then --engine jit is the trusted JIT)",
    "  --no-verify      run the policy unverified, with every check on (a warning on stderr)",
    "  --listeners N    listeners in the reuseport group (default 16)",
    "  --state TEST     publish the map writes of the policy's test TEST (its name or a unique prefix) first",
    "                   (default: empty data maps, one listener per socket-map slot)",
    "baton bench --kernel-pick [--listeners N] [--rounds N] [--json]",
    "  --kernel-pick    per-request cost of the kernel's hash pick without a program (R11)",
  ].join("\n"),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      engine: { type: "string" },
      mem: { type: "string" },
      "mem-file": { type: "string" },
      rounds: { type: "string" },
      json: { type: "boolean" },
      policy: { type: "string" },
      "kernel-pick": { type: "boolean" },
      listeners: { type: "string" },
      clock: { type: "string" },
      state: { type: "string" },
      "no-verify": { type: "boolean" },
    });
    const clockName = values.clock ?? "cpu";
    if (clockName !== "cpu" && clockName !== "wall")
      throw new UsageError(`--clock expects cpu or wall, got '${clockName}'`);
    const clock: BenchClock = clockName;
    const hookMode = values.policy !== undefined || values["kernel-pick"] === true;
    if (values.state !== undefined && values.policy === undefined) throw new UsageError("--state applies to --policy");
    if (values["no-verify"] === true && values.policy === undefined)
      throw new UsageError("--no-verify applies to --policy");
    if (hookMode || values.listeners !== undefined) {
      if (!hookMode) throw new UsageError("--listeners applies to --policy or --kernel-pick");
      if (values.policy !== undefined && values["kernel-pick"] === true)
        throw new UsageError("give --policy FILE or --kernel-pick, not both");
      if (positionals.length > 0 || values.mem !== undefined || values["mem-file"] !== undefined)
        throw new UsageError("--policy/--kernel-pick take no program file or memory");
      if (values["kernel-pick"] === true && values.engine !== undefined)
        throw new UsageError("--kernel-pick runs no program; --engine does not apply");
      const opts = {
        listeners: intOption("listeners", values.listeners, 16, 1, 4096),
        rounds: intOption("rounds", values.rounds, 7, 1, 1000),
        engine: values.engine ?? "interp",
        json: values.json === true,
        clock,
        state: values.state,
        noVerify: values["no-verify"] === true,
      };
      return benchHook(values.policy ?? null, opts, io);
    }
    if (positionals.length !== 1) throw new UsageError(`expected one program file, got ${positionals.length}`);
    const rounds = intOption("rounds", values.rounds, 7, 1, 1000);
    const memBytes = memoryFrom(values);
    const prog = await loadProgram(positionals[0]!);
    // A policy runs through the hook, behind the verifier's gate; as a bare program its maps would be unresolved.
    if (isPolicy(prog))
      throw new UsageError(
        `${prog.file} is a policy (it has maps or an attach type)`,
        `time it through the reuseport hook: baton bench --policy ${prog.file}`,
      );
    const { engine, r1hi, r2, label, why } = prepare(prog, memBytes, values.engine ?? "interp");
    if (engine.note !== undefined) io.err(`note: ${engine.note}`); // e.g. too large for the JIT
    if (why !== undefined) io.err(`note: runs on the checked JIT: ${why}`);
    // One checked run first: a trapping program is reported, not timed.
    try {
      engine.run(r1hi, 0, r2);
    } catch (e) {
      if (e instanceof VmTrap) return reportTrap(e, prog, io);
      throw e;
    }
    const executed = engine.executed;
    const t = measure(
      () => {
        engine.run(r1hi, 0, r2);
      },
      rounds,
      undefined,
      undefined,
      clock,
    );
    if (values.json === true) {
      io.out(
        `{"ns_per_run": ${round1(t.nsPerRun)}, "min": ${round1(t.min)}, "max": ${round1(t.max)}, "runs": ${t.runs}, "engine": "${label}"}`,
      );
    } else {
      const per =
        executed > 0 ? `, ${(t.nsPerRun / executed).toFixed(2)} ns/insn over ${plural(executed, "instruction")}` : "";
      io.out(
        `${positionals[0]} (${label}): ${t.nsPerRun.toFixed(1)} ns/run (min ${t.min.toFixed(1)} – max ${t.max.toFixed(1)}, ${plural(rounds, "round")}, ${plural(t.runs, "run")}${per})`,
      );
    }
    return 0;
  },
};

const WARMUP_BATCHES = Math.ceil(100_000 / BATCH);
/** Paired rounds (of ~5 ms per side) per `--rounds` unit: 7 rounds → 70 pairs, about 0.7 s. */
const PAIRS_PER_ROUND = 10;
const perRequest = (t: Timing): Timing => ({
  nsPerRun: t.nsPerRun / BATCH,
  min: t.min / BATCH,
  max: t.max / BATCH,
  runs: t.runs * BATCH,
});

interface HookOptions {
  readonly listeners: number;
  readonly rounds: number;
  readonly engine: string;
  readonly json: boolean;
  readonly clock: BenchClock;
  /** A policy test whose map writes are published first. */
  readonly state: string | undefined;
  /** `--no-verify`: run the policy unverified (checked engine), with a warning. */
  readonly noVerify: boolean;
}

async function benchHook(file: string | null, o: HookOptions, io: CliIO): Promise<number> {
  engineByName(o.engine); // a usage error before the verifier's work
  const policy =
    file === null ? null : await loadHookPolicy(file, o.state, { noVerify: o.noVerify, warn: (t) => io.err(t) });
  const selected =
    policy === null
      ? { factory: engineByName(o.engine), label: o.engine }
      : selectEngine(o.engine, policy.insns, policy.verdict ?? null);
  const hook = buildHookBench(policy, selected.factory, o.listeners);
  try {
    for (let i = 0; i < 64; i++) hook.step(); // a trapping program is reported, not timed
  } catch (e) {
    if (e instanceof VmTrap) {
      io.err(`${file ?? "kernel pick"}: the program trapped: ${e.message}`);
      return 1;
    }
    throw e;
  }
  // Timed in batches of BATCH requests (the loop's per-call cost would otherwise be a
  // visible share of a few-ns path); figures are per request. With a program, the hook and
  // the bare engine are timed as paired rounds (measurePaired): the overhead is the median of
  // per-pair differences, with its interquartile range as the spread.
  let t: Timing;
  let bare: Timing | null = null;
  let over: { median: number; q1: number; q3: number } | null = null;
  if (hook.bare === null) {
    t = perRequest(measure(hook.batch, o.rounds, WARMUP_BATCHES, undefined, o.clock));
  } else {
    const p = measurePaired(hook.batch, hook.bare, o.rounds * PAIRS_PER_ROUND, WARMUP_BATCHES, undefined, o.clock);
    t = perRequest(p.a);
    bare = perRequest(p.b);
    over = { median: p.diff / BATCH, q1: p.diffQ1 / BATCH, q3: p.diffQ3 / BATCH };
  }
  const label = file === null ? "kernel pick" : `${file} (${selected.label})`;
  if (o.json) {
    const fields = [
      `"ns_per_request": ${round1(t.nsPerRun)}`,
      `"min": ${round1(t.min)}`,
      `"max": ${round1(t.max)}`,
      `"runs": ${t.runs}`,
      `"listeners": ${o.listeners}`,
      `"engine": ${JSON.stringify(file === null ? "kernel" : o.engine)}`,
    ];
    if (bare !== null) fields.push(`"engine_ns": ${round1(bare.nsPerRun)}`);
    fields.push(`"hook_overhead_ns": ${over === null ? "null" : round1(over.median)}`);
    fields.push(`"hook_overhead_spread_ns": ${over === null ? "null" : `[${round1(over.q1)}, ${round1(over.q3)}]`}`);
    io.out(`{${fields.join(", ")}}`);
  } else {
    io.out(
      `${label}, ${plural(o.listeners, "listener")}: ${t.nsPerRun.toFixed(1)} ns/request (min ${t.min.toFixed(1)} – max ${t.max.toFixed(1)}, ${plural(o.rounds, "round")}, ${plural(t.runs, "request")})`,
    );
    if (bare !== null && over !== null) {
      // A negative or zero-straddling figure is noise, and is printed as such.
      const noise = over.median <= 0 || over.q1 <= 0 ? ", within noise" : "";
      io.out(
        `  program alone ${bare.nsPerRun.toFixed(1)} ns/run; hook overhead ${over.median.toFixed(1)} ns/request (IQR ${over.q1.toFixed(1)} – ${over.q3.toFixed(1)} over ${o.rounds * PAIRS_PER_ROUND} paired rounds${noise})`,
      );
    }
  }
  return 0;
}
