/**
 * `baton simulate SCENARIO [--policy FILE] [--engine interp|jit] [--seed N] [--json]
 * [--connections] [--ndjson FILE] [--report FILE.html]`: run a scenario through the socket model
 * and print a summary table (or the full result as JSON; `--connections` adds one record per
 * connection; `--ndjson` streams those records to a file, one JSON object per line, without
 * keeping them in memory).
 * Policies: `builtin:NAME` references need nothing; any other reference in an `attach` event
 * is a policy file (or the `--policy` file, which replaces every such reference), compiled,
 * verified and run on the chosen engine.
 */
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { InputError, ModelError, UsageError } from "../../errors.js";
import type { ModelMaps } from "../../model/model-maps.js";
import type { ReuseportProgram } from "../../model/program.js";
import { renderReport, scenarioMarks, TimelineCollector } from "../../model/report-html.js";
import { runtimeProgram, type BytecodePolicy } from "../../model/runtime-adapter.js";
import { parseScenario, type Scenario } from "../../model/scenario.js";
import { checkKeptRecords } from "../../model/scenario-limits.js";
import { NdjsonWriter } from "../../model/ndjson.js";
import type { SimResult } from "../../model/sim-result.js";
import { mapsTable } from "../../model/sim-trace.js";
import { simulate } from "../../model/simulator.js";
import { COUNTER_NAMES } from "../../model/netns.js";
import { engineByName } from "../../vm/engines.js";
import type { SelectedEngine } from "../policy-engine.js";
import { engineFor, loadVerifiedProgram, modelPolicy, type GateOptions } from "../verified-program.js";
import { intOption, parseCommandArgs, type CliIO, type Command } from "../command.js";
import { connectionTable } from "../connection-table.js";
import { isUdpScenarioText } from "../../model/udp-scenario.js";
import { runUdpSimulate } from "../udp-simulate.js";

const USAGE = [
  "baton simulate SCENARIO.json [--policy FILE] [--engine interp|jit] [--no-verify] [--seed N] [--json] [--connections] [--maps] [--ndjson FILE] [--report FILE.html]",
  "  --policy FILE       run FILE (.baton, .o, .s, .bin) for every policy file the scenario's attach events name",
  "  --engine interp|jit the engine policies run on (default interp); policy files run only if Baton's verifier",
  "                      accepts them, and jit is then the trusted JIT",
  "  --no-verify         run policy files unverified, with every check on (a warning on stderr)",
  "  --seed N            the random seed (default: the scenario's); same seed, same output",
  "  --json              print the whole result as JSON instead of the summary table",
  "  --connections       also print one row per connection (id, client, hash, listener, migrations, fate,",
  "                      cause); with --json, the records go into the result as connectionRecords",
  "  --maps              also print every map's contents at the end (the scenario's, then each policy's own;",
  '                      listeners named with their cookies); --json always has them as "maps"',
  "  --ndjson FILE       stream one JSON record per connection to FILE (kept out of memory)",
  "  --report FILE.html  write a self-contained HTML report with charts",
  '  --datagrams         UDP scenarios (a top-level "udp" section): one line per datagram',
].join("\n");

/**
 * A policy for an `attach` event: any program file the CLI loads (.baton, .o, .s, .bin), gated
 * by the verifier for its attach type (40 unless the file says otherwise; verified-program.ts),
 * on the engine every command picks for it.
 */
export async function loadPolicyFile(
  file: string,
  engineName: string,
  gate: Omit<GateOptions, "command">,
): Promise<{ policy: BytecodePolicy; engine: SelectedEngine }> {
  const p = await loadVerifiedProgram(file, { ...gate, command: "simulate" });
  return { policy: modelPolicy(p, file), engine: engineFor(p, engineName) };
}

function policyRefs(sc: Scenario): string[] {
  const refs: string[] = [];
  for (const e of sc.events)
    if (e.do === "attach" && !e.policy.startsWith("builtin:") && !refs.includes(e.policy)) refs.push(e.policy);
  return refs;
}

function pad(s: string | number, w: number, left = false): string {
  const t = String(s);
  return left ? t.padEnd(w) : t.padStart(w);
}

export function summary(r: SimResult): string {
  const c = r.connections;
  const out: string[] = [];
  out.push(`scenario ${r.scenario}  seed ${r.seed}  ${r.durationMs} ms simulated`);
  out.push(`connections ${c.total}: accepted ${c.accepted}, reset ${c.reset}, timed out ${c.timedOut}, open ${c.open}`);
  out.push(`migrations: close ${r.migrations.close}, timer ${r.migrations.timer}, ack ${r.migrations.ack}`);
  const w = Math.max(8, ...r.listeners.map((l) => l.name.length));
  out.push("");
  out.push(
    `${pad("listener", w, true)}  ${pad("syns", 7)} ${pad("accepted", 8)} ${pad("in", 6)} ${pad("out", 6)} ${pad("maxq", 6)}  state`,
  );
  for (const l of r.listeners) {
    out.push(
      `${pad(l.name, w, true)}  ${pad(l.syns, 7)} ${pad(l.accepted, 8)} ${pad(l.migratedIn, 6)} ${pad(l.migratedOut, 6)} ${pad(l.maxQueue, 6)}  ${l.state}`,
    );
  }
  out.push("");
  out.push("outcomes:");
  for (const [k, v] of Object.entries(r.causes)) out.push(`  ${pad(k, 32, true)} ${v}`);
  out.push("counters (non-zero):");
  for (const k of COUNTER_NAMES) if (r.counters[k] !== 0) out.push(`  ${pad(k, 32, true)} ${r.counters[k]}`);
  return out.join("\n");
}

export const command: Command = {
  name: "simulate",
  summary: "run a scenario through the SO_REUSEPORT socket model",
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, {
      policy: { type: "string" },
      engine: { type: "string", default: "interp" },
      seed: { type: "string" },
      json: { type: "boolean", default: false },
      connections: { type: "boolean", default: false },
      maps: { type: "boolean", default: false },
      report: { type: "string" },
      ndjson: { type: "string" },
      "no-verify": { type: "boolean" },
      datagrams: { type: "boolean", default: false },
    });
    if (positionals.length !== 1) throw new UsageError(`expected one scenario file, got ${positionals.length}`);
    const file = positionals[0] as string;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new InputError(
        "input.read",
        `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    if (isUdpScenarioText(text)) {
      const seed = values.seed !== undefined ? intOption("seed", values.seed, 0, 0, 0xffffffff) : undefined;
      return runUdpSimulate(
        file,
        text,
        {
          engine: values.engine ?? "interp",
          json: values.json === true,
          datagrams: values.datagrams === true,
          ...(seed !== undefined ? { seed } : {}),
          ...(values.policy !== undefined ? { policy: values.policy } : {}),
        },
        io,
      );
    }
    const sc = parseScenario(text, file);
    if (values.connections === true) checkKeptRecords(sc, file, "--connections");
    engineByName(values.engine ?? "interp"); // an unknown engine is a usage error even when nothing is attached
    const seed = values.seed !== undefined ? intOption("seed", values.seed, 0, 0, 0xffffffff) : sc.seed;
    const programs = new Map<string, (maps: ModelMaps) => ReuseportProgram>();
    const refs = policyRefs(sc);
    if (values.policy !== undefined && refs.length === 0) {
      throw new UsageError(
        `${file} attaches no policy file, so --policy has nothing to replace`,
        "--policy replaces the policy file named by the scenario's attach events; add an attach event or drop --policy",
      );
    }
    const loaded = new Map<string, { policy: BytecodePolicy; engine: SelectedEngine }>();
    for (const ref of refs) {
      const path = values.policy ?? ref;
      let entry = loaded.get(path);
      try {
        entry ??= await loadPolicyFile(path, values.engine ?? "interp", {
          noVerify: values["no-verify"] === true,
          warn: (t) => io.err(t),
        });
      } catch (e) {
        if (e instanceof InputError)
          throw new InputError(e.code, `${file}: policy ${JSON.stringify(ref)}: ${e.message}`);
        throw e;
      }
      loaded.set(path, entry);
      const { policy, engine } = entry;
      programs.set(ref, (maps) => runtimeProgram(policy, engine.factory, seed, maps));
    }
    let fd: number | null = null;
    if (values.ndjson !== undefined) {
      try {
        fd = openSync(values.ndjson, "w");
      } catch (e) {
        throw new InputError(
          "output.write",
          `cannot write ${values.ndjson}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        );
      }
    }
    const writer = fd !== null ? new NdjsonWriter(fd) : null;
    // --report draws fates and migrations over time: binned as connections finish, not kept.
    const timeline = values.report !== undefined ? new TimelineCollector(sc.durationMs) : null;
    let result: SimResult;
    try {
      result = simulate(sc, {
        seed,
        programs,
        keepConnections: values.connections === true,
        ...(timeline !== null ? { onConnection: timeline.add } : {}),
        ...(writer !== null ? { sink: writer } : {}),
      });
    } catch (e) {
      // Runtime refusals (EBADF, EADDRINUSE, …) name the event; add the file.
      if (e instanceof ModelError) throw new ModelError(e.code, `${file}: ${e.message}`, e.location, e.hint);
      throw e;
    } finally {
      if (fd !== null) {
        writer?.flush();
        closeSync(fd);
      }
    }
    if (values.report !== undefined) {
      try {
        writeFileSync(
          values.report,
          renderReport(result, {
            marks: scenarioMarks(sc),
            ...(timeline !== null ? { timeline: timeline.timeline() } : {}),
          }),
        );
      } catch (e) {
        throw new InputError(
          "output.write",
          `cannot write ${values.report}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        );
      }
    }
    if (values.json === true) io.out(JSON.stringify(result, null, 2));
    else {
      const parts = [summary(result)];
      if (values.connections === true) parts.push(`connections:\n${connectionTable(result.connectionRecords ?? [])}`);
      if (values.maps === true) parts.push(`maps:\n${result.maps.length > 0 ? mapsTable(result.maps) : "(none)"}`);
      io.out(parts.join("\n\n"));
    }
    return 0;
  },
};
