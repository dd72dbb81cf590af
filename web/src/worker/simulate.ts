/**
 * Simulations in the socket model, as `baton simulate` and `baton demo` run them: the editor's
 * policy (compiled and accepted by the verifier first, the CLI's gate) replaces every policy
 * file a scenario attaches (as `--policy FILE`), built-in policies stay. Progress is reported
 * from the simulated time of each finished connection.
 */
import { SCENARIOS } from "baton:assets";
import { ModelError } from "../../../src/errors.js";
import { tryCompile, type CompiledPolicy } from "../../../src/compiler/compile.js";
import { renderReport } from "../../../src/model/report-html.js";
import type { ModelMaps } from "../../../src/model/model-maps.js";
import type { ReuseportProgram } from "../../../src/model/program.js";
import { runtimeProgram } from "../../../src/model/runtime-adapter.js";
import { parseScenario, type Scenario } from "../../../src/model/scenario.js";
import type { ConnRecord, SimResult } from "../../../src/model/sim-result.js";
import { simulate } from "../../../src/model/simulator.js";
import { COUNTER_NAMES } from "../../../src/model/netns.js";
import { engineByName } from "../../../src/vm/engines.js";
import type { DemoColumn, DemoView, SimView } from "../protocol.js";
import { POLICY_FILE, verifyPolicy } from "./analyze.js";

export type Progress = (fraction: number, label: string) => void;

/** A located failure the page shows as it is (no stack). */
export class PlaygroundError extends Error {}

/** Run a simulation, naming the scenario file in the model's refusals, as `baton simulate` does. */
function inFile<T>(file: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof ModelError) throw new ModelError(e.code, `${file}: ${e.message}`, e.location, e.hint);
    throw e;
  }
}

/** Compile and verify the editor's policy; refuse what the CLI's gate refuses. */
export function gatedPolicy(source: string): CompiledPolicy {
  const c = tryCompile(source, POLICY_FILE);
  if (c.policy === null) {
    const e = c.errors[0]!;
    const loc = e.location !== undefined && "line" in e.location ? `${e.location.line}:${e.location.col}: ` : "";
    throw new PlaygroundError(`the policy does not compile: ${loc}${e.message}`);
  }
  const r = verifyPolicy(c.policy);
  if (!r.accepted)
    throw new PlaygroundError(
      `the verifier rejected the policy (${r.error?.message ?? "rejected"}); simulations run only programs it accepts`,
    );
  return c.policy;
}

function fileRefs(sc: Scenario): string[] {
  const refs: string[] = [];
  for (const e of sc.events)
    if (e.do === "attach" && !e.policy.startsWith("builtin:") && !refs.includes(e.policy)) refs.push(e.policy);
  return refs;
}

function programsFor(
  sc: Scenario,
  p: CompiledPolicy,
  seed: number,
): Map<string, (maps: ModelMaps) => ReuseportProgram> {
  const engine = engineByName("interp");
  const policy = { name: p.name ?? "policy", insns: p.insns, maps: p.maps, attachType: p.attachType };
  const programs = new Map<string, (maps: ModelMaps) => ReuseportProgram>();
  for (const ref of fileRefs(sc)) programs.set(ref, (maps) => runtimeProgram(policy, engine, seed, maps));
  return programs;
}

/** Calls `report` at most every 50 ms of wall time, with the simulated-time fraction done. */
function progressTracker(sc: Scenario, report: (fraction: number) => void): (rec: ConnRecord) => void {
  let last = performance.now();
  return (rec) => {
    const t = performance.now();
    if (t - last < 50) return;
    last = t;
    report(Math.min(1, rec.synAtMs / Math.max(1, sc.durationMs)));
  };
}

/** `baton simulate`'s summary table (the same rows and columns). */
export function summaryText(r: SimResult): string {
  const c = r.connections;
  const out: string[] = [];
  out.push(`scenario ${r.scenario}  seed ${r.seed}  ${r.durationMs} ms simulated`);
  out.push(`connections ${c.total}: accepted ${c.accepted}, reset ${c.reset}, timed out ${c.timedOut}, open ${c.open}`);
  out.push(`migrations: close ${r.migrations.close}, timer ${r.migrations.timer}, ack ${r.migrations.ack}`);
  const w = Math.max(8, ...r.listeners.map((l) => l.name.length));
  const pad = (s: string | number, n: number, left = false): string =>
    left ? String(s).padEnd(n) : String(s).padStart(n);
  out.push(
    "",
    `${pad("listener", w, true)}  ${pad("syns", 7)} ${pad("accepted", 8)} ${pad("in", 6)} ${pad("out", 6)} ${pad("maxq", 6)}  state`,
  );
  for (const l of r.listeners)
    out.push(
      `${pad(l.name, w, true)}  ${pad(l.syns, 7)} ${pad(l.accepted, 8)} ${pad(l.migratedIn, 6)} ${pad(l.migratedOut, 6)} ${pad(l.maxQueue, 6)}  ${l.state}`,
    );
  out.push("", "outcomes:");
  for (const [k, v] of Object.entries(r.causes)) out.push(`  ${pad(k, 32, true)} ${v}`);
  out.push("counters (non-zero):");
  for (const k of COUNTER_NAMES) if (r.counters[k] !== 0) out.push(`  ${pad(k, 32, true)} ${r.counters[k]}`);
  return out.join("\n");
}

export function runScenario(
  source: string,
  name: string,
  text: string,
  seed: number | null,
  progress: Progress,
): SimView {
  const t0 = performance.now();
  const sc = parseScenario(text, `${name}.json`);
  const refs = fileRefs(sc);
  const s = seed ?? sc.seed;
  const programs =
    refs.length > 0
      ? programsFor(sc, gatedPolicy(source), s)
      : new Map<string, (maps: ModelMaps) => ReuseportProgram>();
  const r = inFile(`${name}.json`, () =>
    simulate(sc, { seed: s, programs, onConnection: progressTracker(sc, (f) => progress(f, `simulating ${name}`)) }),
  );
  const note =
    refs.length === 0
      ? `${name} attaches no policy file, so the editor's policy takes no part (it runs ${sc.events.some((e) => e.do === "attach") ? "a built-in policy" : "the kernel's default pick"})`
      : null;
  return {
    summary: summaryText(r),
    reportHtml: renderReport(r),
    resultJson: JSON.stringify(r, null, 2),
    note,
    ms: performance.now() - t0,
  };
}

interface Variant {
  readonly title: string;
  readonly scenario: string;
}

/** `baton demo`'s three runs of the same rolling restart. */
const VARIANTS: readonly Variant[] = [
  { title: "no migration", scenario: "rolling-restart-no-migration" },
  { title: "kernel pick", scenario: "rolling-restart-kernel-pick" },
  { title: "policy", scenario: "rolling-restart-policy" },
];

/** `baton demo`'s rows, in its order (reset causes are inserted after "reset"). */
const HEAD_ROWS = [
  "tcp_migrate_req",
  "program",
  "connections",
  "accepted by old generation",
  "accepted by new generation",
  "migrated at close (accept queue)",
  "migrated in SYN-ACK timer",
  "migrated at final ACK",
  "  ... to the new generation",
  "  ... to the old generation",
  "reset",
];
const TAIL_ROWS = [
  "dropped by the program",
  "timed out",
  "still open at the end",
  "TCPMigrateReqSuccess",
  "TCPMigrateReqFailure",
];

function demoColumn(v: Variant, p: CompiledPolicy, seed: number | null, report: (f: number) => void): DemoColumn {
  const sc = parseScenario(SCENARIOS[v.scenario]!, `${v.scenario}.json`);
  const s = seed ?? sc.seed;
  const old = new Set(sc.listeners.filter((l) => l.listenAt !== null).map((l) => l.name));
  let toNew = 0;
  let toOld = 0;
  const tick = progressTracker(sc, report);
  const r = inFile(`${v.scenario}.json`, () =>
    simulate(sc, {
      seed: s,
      programs: programsFor(sc, p, s),
      onConnection: (rec) => {
        for (const m of rec.migrations)
          if (old.has(m.to)) toOld++;
          else toNew++;
        tick(rec);
      },
    }),
  );
  let acceptedOld = 0;
  let acceptedNew = 0;
  for (const l of r.listeners)
    if (old.has(l.name)) acceptedOld += l.accepted;
    else acceptedNew += l.accepted;
  const rows: Record<string, number | string> = {};
  let drops = 0;
  const attach = sc.events.find((e) => e.do === "attach");
  rows["tcp_migrate_req"] = sc.sysctls.tcp_migrate_req ?? 0;
  rows["program"] =
    attach === undefined || attach.do !== "attach"
      ? "-"
      : attach.policy.startsWith("builtin:")
        ? attach.policy
        : (p.name ?? "policy");
  rows["connections"] = r.connections.total;
  rows["accepted by old generation"] = acceptedOld;
  rows["accepted by new generation"] = acceptedNew;
  rows["migrated at close (accept queue)"] = r.migrations.close;
  rows["migrated in SYN-ACK timer"] = r.migrations.timer;
  rows["migrated at final ACK"] = r.migrations.ack;
  rows["  ... to the new generation"] = toNew;
  rows["  ... to the old generation"] = toOld;
  rows["reset"] = r.connections.reset;
  for (const [k, n] of Object.entries(r.causes)) {
    if (k.startsWith("reset:")) rows[`  ${k.slice(6)}`] = n;
    if (k.endsWith(":program-drop") || k.endsWith(":program-refused")) drops += n;
  }
  rows["dropped by the program"] = drops;
  rows["timed out"] = r.connections.timedOut;
  rows["still open at the end"] = r.connections.open;
  rows["TCPMigrateReqSuccess"] = r.counters.TCPMigrateReqSuccess;
  rows["TCPMigrateReqFailure"] = r.counters.TCPMigrateReqFailure;
  return { title: v.title, rows };
}

export function runDemo(source: string, seed: number | null, progress: Progress): DemoView {
  const t0 = performance.now();
  const p = gatedPolicy(source);
  const columns = VARIANTS.map((v, i) =>
    demoColumn(v, p, seed, (f) => progress((i + f) / VARIANTS.length, `rolling restart: ${v.title}`)),
  );
  const causes = [
    ...new Set(columns.flatMap((c) => Object.keys(c.rows).filter((k) => k.startsWith("  ") && !HEAD_ROWS.includes(k)))),
  ].sort();
  for (const c of columns) for (const k of causes) (c.rows as Record<string, number | string>)[k] ??= 0;
  return { rowNames: [...HEAD_ROWS, ...causes, ...TAIL_ROWS], columns, ms: performance.now() - t0 };
}
