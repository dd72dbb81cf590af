/**
 * `baton demo [--seed N] [--engine interp|jit] [--policy FILE] [--no-verify] [--json]`: the
 * rolling restart of scenarios/rolling-restart-*.json run three ways — no migration
 * (tcp_migrate_req=0, no program), the kernel's hash pick (tcp_migrate_req=1, R12 step 7) and
 * the compiled policy policies/migrate_to_newest.baton (or `--policy FILE`; attach type 40,
 * R12 step 5), gated by the verifier like every command that runs a policy — with what happened to
 * in-flight connections side by side: accepted by the old or new generation, migrated at each
 * point (close R14, SYN-ACK timer R15, final ACK R16) and to which generation, reset (by
 * cause), dropped by the program, timed out, and the TCPMigrateReq* counters.
 * The old generation is the listeners that listen from the start (`listenAt` set); the new
 * one joins through `listen` events. Same seed ⇒ same table.
 * Omitted: other scenarios (use `baton simulate`), HTML output (`simulate --report`).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { InputError } from "../../errors.js";
import { runtimeProgram } from "../../model/runtime-adapter.js";
import type { ModelMaps } from "../../model/model-maps.js";
import type { ReuseportProgram } from "../../model/program.js";
import { parseScenario, type Scenario } from "../../model/scenario.js";
import type { ConnRecord, SimResult } from "../../model/sim-result.js";
import { simulate } from "../../model/simulator.js";
import { engineByName } from "../../vm/engines.js";
import { intOption, parseCommandArgs, type CliIO, type Command } from "../command.js";
import { engineFor, loadVerifiedProgram, modelPolicy } from "../verified-program.js";
import { plural } from "../../plural.js";
import { inFlightSentence } from "../demo-story.js";

/** The package root (src/cli/commands and dist/cli/commands are both three levels down). */
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

interface Variant {
  readonly key: string;
  readonly title: string;
  readonly file: string;
}

const VARIANTS: readonly Variant[] = [
  { key: "no-migration", title: "no migration", file: "scenarios/rolling-restart-no-migration.json" },
  { key: "kernel-pick", title: "kernel pick", file: "scenarios/rolling-restart-kernel-pick.json" },
  { key: "policy", title: "policy", file: "scenarios/rolling-restart-policy.json" },
];

/** One column of the table. */
export interface DemoColumn {
  readonly variant: string;
  readonly scenario: string;
  readonly tcpMigrateReq: number;
  readonly policy: string | null;
  /** The engine the policy ran on (`interp`, `jit (trusted)`, `jit (checked)`), null without one. */
  readonly engine: string | null;
  /** Listeners of the old (listening from the start) and the new generation. */
  readonly oldListeners: number;
  readonly newListeners: number;
  readonly connections: number;
  readonly acceptedOld: number;
  readonly acceptedNew: number;
  readonly migratedClose: number;
  readonly migratedTimer: number;
  readonly migratedAck: number;
  readonly migratedToNew: number;
  readonly migratedToOld: number;
  /** Of migratedToOld: migrations to an old-generation listener that closed later in the run. */
  readonly migratedToClosingOld: number;
  readonly reset: number;
  /** "cause" → count, for resets. */
  readonly resetCauses: Record<string, number>;
  readonly programDrops: number;
  readonly timedOut: number;
  readonly open: number;
  readonly TCPMigrateReqSuccess: number;
  readonly TCPMigrateReqFailure: number;
}

function readScenario(rel: string): Scenario {
  const path = `${ROOT}${rel}`;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError(
      "input.read",
      `cannot read ${rel}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return parseScenario(text, rel);
}

/** How the demo loads its policy (verified-program.ts's gate) and which one. */
export interface DemoPolicyOptions {
  /** Replaces every non-builtin policy the scenarios attach (`--policy FILE`). */
  readonly policy?: string;
  readonly noVerify?: boolean;
  readonly warn: (text: string) => void;
}

/**
 * Load every non-builtin policy the scenario attaches (from the package root, or `--policy`)
 * through the CLI's gate, on the engine every command picks for it (policy-engine.ts).
 */
export async function programsFor(
  sc: Scenario,
  engineName: string,
  seed: number,
  o: DemoPolicyOptions,
): Promise<{ programs: Map<string, (maps: ModelMaps) => ReuseportProgram>; engine: string | null }> {
  const programs = new Map<string, (maps: ModelMaps) => ReuseportProgram>();
  let label: string | null = null;
  for (const e of sc.events) {
    if (e.do !== "attach" || e.policy.startsWith("builtin:") || programs.has(e.policy)) continue;
    const p = await loadVerifiedProgram(o.policy ?? `${ROOT}${e.policy}`, {
      command: "demo",
      warn: o.warn,
      ...(o.noVerify !== undefined ? { noVerify: o.noVerify } : {}),
    });
    const engine = engineFor(p, engineName);
    const policy = modelPolicy(p, e.policy);
    label = engine.label;
    programs.set(e.policy, (maps) => runtimeProgram(policy, engine.factory, seed, maps));
  }
  return { programs, engine: label };
}

/** Run one variant and fold its result and connection records into a column. */
export async function runVariant(
  v: Variant,
  seed: number | undefined,
  engineName: string,
  o: DemoPolicyOptions = { warn: () => undefined },
): Promise<DemoColumn> {
  const sc = readScenario(v.file);
  const s = seed ?? sc.seed;
  const { programs, engine } = await programsFor(sc, engineName, s, o);
  const old = new Set(sc.listeners.filter((l) => l.listenAt !== null).map((l) => l.name));
  // When each listener closes (its first `close` event), to tell a migration to an old
  // listener that later closed from one to an old listener that stays.
  const closesAt = new Map<string, number>();
  for (const e of sc.events) if (e.do === "close" && !closesAt.has(e.listener)) closesAt.set(e.listener, e.at);
  let toNew = 0;
  let toOld = 0;
  let toClosingOld = 0;
  const onConnection = (rec: ConnRecord): void => {
    for (const m of rec.migrations) {
      if (old.has(m.to)) {
        toOld++;
        const closes = closesAt.get(m.to);
        if (closes !== undefined && closes > m.atMs) toClosingOld++;
      } else toNew++;
    }
  };
  // Another policy in place of the scenario's (--policy) has other maps: the scenario's writes go unread.
  const r: SimResult = simulate(sc, { seed: s, programs, onConnection, checkMaps: o.policy === undefined });
  let acceptedOld = 0;
  let acceptedNew = 0;
  for (const l of r.listeners) {
    if (old.has(l.name)) acceptedOld += l.accepted;
    else acceptedNew += l.accepted;
  }
  const resetCauses: Record<string, number> = {};
  let programDrops = 0;
  for (const [k, n] of Object.entries(r.causes)) {
    if (k.startsWith("reset:")) resetCauses[k.slice(6)] = n;
    if (k.endsWith(":program-drop") || k.endsWith(":program-refused")) programDrops += n;
  }
  const attach = sc.events.find((e) => e.do === "attach");
  return {
    variant: v.key,
    scenario: sc.name,
    tcpMigrateReq: sc.sysctls.tcp_migrate_req ?? 0,
    engine,
    policy:
      attach !== undefined && attach.do === "attach"
        ? attach.policy.startsWith("builtin:")
          ? attach.policy
          : (o.policy ?? attach.policy)
        : null,
    oldListeners: old.size,
    newListeners: sc.listeners.length - old.size,
    connections: r.connections.total,
    acceptedOld,
    acceptedNew,
    migratedClose: r.migrations.close,
    migratedTimer: r.migrations.timer,
    migratedAck: r.migrations.ack,
    migratedToNew: toNew,
    migratedToOld: toOld,
    migratedToClosingOld: toClosingOld,
    reset: r.connections.reset,
    resetCauses,
    programDrops,
    timedOut: r.connections.timedOut,
    open: r.connections.open,
    TCPMigrateReqSuccess: r.counters.TCPMigrateReqSuccess,
    TCPMigrateReqFailure: r.counters.TCPMigrateReqFailure,
  };
}

/** A variant's name in its sentence: the policy's name for the policy column. */
function storyTitle(c: DemoColumn, title: string): string {
  return c.variant === "policy" && c.policy !== null ? c.policy.replace(/^.*\//, "").replace(/\.[a-z]+$/, "") : title;
}

/** The side-by-side table, then one sentence per variant on its in-flight connections. */
export function demoTable(cols: readonly DemoColumn[], seed: string): string {
  const rows: [string, (c: DemoColumn) => string | number][] = [
    ["tcp_migrate_req", (c) => c.tcpMigrateReq],
    ["program", (c) => (c.policy === null ? "-" : c.policy.replace(/^.*\//, "").replace(/\.baton$/, ""))],
    ["engine", (c) => c.engine ?? "-"],
    ["connections", (c) => c.connections],
    ["accepted by old generation", (c) => c.acceptedOld],
    ["accepted by new generation", (c) => c.acceptedNew],
    ["migrated at close (accept queue)", (c) => c.migratedClose],
    ["migrated in SYN-ACK timer", (c) => c.migratedTimer],
    ["migrated at final ACK", (c) => c.migratedAck],
    ["  ... to the new generation", (c) => c.migratedToNew],
    ["  ... to the old generation", (c) => c.migratedToOld],
    ["reset", (c) => c.reset],
  ];
  const causes = [...new Set(cols.flatMap((c) => Object.keys(c.resetCauses)))].sort();
  for (const k of causes) rows.push([`  ${k}`, (c) => c.resetCauses[k] ?? 0]);
  rows.push(
    ["dropped by the program", (c) => c.programDrops],
    ["timed out", (c) => c.timedOut],
    ["still open at the end", (c) => c.open],
    ["TCPMigrateReqSuccess", (c) => c.TCPMigrateReqSuccess],
    ["TCPMigrateReqFailure", (c) => c.TCPMigrateReqFailure],
  );
  const titles = cols.map((c) => VARIANTS.find((v) => v.key === c.variant)?.title ?? c.variant);
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const cells = rows.map((r) => cols.map((c) => String(r[1](c))));
  const ws = titles.map((t, i) => Math.max(t.length, ...cells.map((row) => row[i]!.length)));
  const line = (label: string, vals: readonly string[]): string =>
    `${label.padEnd(w0)}  ${vals.map((v, i) => v.padStart(ws[i]!)).join("  ")}`.trimEnd();
  const c0 = cols[0];
  const what =
    c0 === undefined
      ? ""
      : `: ${plural(c0.oldListeners, "old worker")} replaced by ${c0.newListeners} new ${c0.newListeners === 1 ? "one" : "ones"}, ${plural(c0.connections, "connection")}`;
  const out = [
    `rolling restart${what} (seed ${seed})`,
    "",
    line("", titles),
    line(
      "",
      ws.map((w) => "-".repeat(w)),
    ),
  ];
  rows.forEach((r, i) => out.push(line(r[0], cells[i]!)));
  out.push("", "In-flight connections:");
  cols.forEach((c, i) => out.push(`  ${inFlightSentence(storyTitle(c, titles[i]!), c)}`));
  return out.join("\n");
}

export const command: Command = {
  name: "demo",
  summary: "a rolling restart three ways: no migration, kernel pick, migrate_to_newest policy",
  usage: [
    "baton demo [--seed N] [--engine interp|jit] [--policy FILE] [--no-verify] [--json]",
    "  --seed N       the random seed of all three runs (default: the scenarios' own)",
    "  --engine interp|jit  the engine the policy runs on (default interp)",
    "  --policy FILE  the policy column runs FILE (.baton, .o, .s, .bin) instead of policies/migrate_to_newest.baton",
    "  --no-verify    run the policy unverified, with every check on (a warning on stderr); by default it runs only",
    "                 if Baton's verifier accepts it, and --engine jit is then the trusted JIT",
    '  --json  print {"seed": …, "columns": [{variant, acceptedOld, migratedToNew, …}]}',
  ].join("\n"),
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parseCommandArgs(
      argv,
      {
        seed: { type: "string" },
        engine: { type: "string" },
        json: { type: "boolean" },
        policy: { type: "string" },
        "no-verify": { type: "boolean" },
      },
      false,
    );
    const seed = values.seed !== undefined ? intOption("seed", values.seed, 0, 0, 0xffffffff) : undefined;
    const engine = values.engine ?? "interp";
    engineByName(engine); // a usage error before any work
    const cols: DemoColumn[] = [];
    const policy: DemoPolicyOptions = {
      warn: (t) => io.err(t),
      noVerify: values["no-verify"] === true,
      ...(values.policy !== undefined ? { policy: values.policy } : {}),
    };
    for (const v of VARIANTS) cols.push(await runVariant(v, seed, engine, policy));
    const seedText = seed !== undefined ? String(seed) : "from the scenarios";
    if (values.json === true) io.out(JSON.stringify({ seed: seed ?? null, columns: cols }, null, 2));
    else io.out(demoTable(cols, seedText));
    return 0;
  },
};
