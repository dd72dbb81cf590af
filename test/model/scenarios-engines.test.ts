// Every TCP scenario under scenarios/ runs deterministically on both engines: the same seed gives
// the same bytes (--json, with trace and maps, and --ndjson) on the interpreter and the JIT, run
// after run. The scenarios that show the control plane, late data and map writes are also
// checked for what they demonstrate.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { SimResult } from "../../src/model/sim-result.js";
import { isUdpScenarioText } from "../../src/model/udp-scenario.js";

const dir = mkdtempSync(join(tmpdir(), "baton-engines-"));
const files = readdirSync("scenarios").filter(
  (f) =>
    f.endsWith(".json") && f !== "scenario.schema.json" && !isUdpScenarioText(readFileSync(`scenarios/${f}`, "utf8")),
);

async function run(file: string, engine: string, tag: string): Promise<{ json: string; ndjson: string }> {
  const nd = join(dir, `${file}.${engine}.${tag}.ndjson`);
  let out = "";
  let err = "";
  const code = await main(["simulate", `scenarios/${file}`, "--json", "--engine", engine, "--ndjson", nd], {
    out: (t) => (out += t),
    err: (t) => (err += t),
  });
  expect(err).toBe("");
  expect(code).toBe(0);
  return { json: out, ndjson: readFileSync(nd, "utf8") };
}

describe("shipped scenarios on both engines", () => {
  it.each(files)(
    "%s: same bytes on interp and jit, run after run",
    async (f) => {
      const a = await run(f, "interp", "1");
      const b = await run(f, "jit", "1");
      const c = await run(f, "interp", "2");
      expect(b.json).toBe(a.json);
      expect(b.ndjson).toBe(a.ndjson);
      expect(c.json).toBe(a.json);
      expect(c.ndjson).toBe(a.ndjson);
    },
    60_000,
  );
});

describe("the issue-16 scenarios show what they say", () => {
  const result = async (f: string): Promise<SimResult> => JSON.parse((await run(f, "interp", "x")).json) as SimResult;

  it("defer-accept-late-data: held requests migrate at the timer and complete on the new listener", async () => {
    const r = await result("defer-accept-late-data.json");
    const old = r.listeners.find((l) => l.name === "old")!;
    expect(old.syns).toBeGreaterThan(0);
    expect([r.migrations.timer, r.counters.TCPMigrateReqSuccess, r.counters.TCPDeferAcceptDrop]).toEqual([
      old.syns,
      old.syns,
      old.syns,
    ]);
    expect(r.connections.accepted).toBe(r.connections.total);
    expect(r.listeners.find((l) => l.name === "new")!.accepted).toBe(r.connections.total);
  });

  it("drain-accounting-cookies: the policy's counters by cookie match the listeners", async () => {
    const r = await result("drain-accounting-cookies.json");
    const map = (name: string): Map<number | string, unknown> =>
      new Map(r.maps.find((m) => m.owner !== "scenario" && m.name === name)!.entries.map((e) => [e.key, e.value]));
    const selected = map("selected");
    const migrated = map("migrated_from");
    for (const l of r.listeners) expect(selected.get(l.cookie)).toBe(l.syns);
    expect(migrated.get(r.listeners[0]!.cookie)).toBe(r.migrations.close);
    expect(r.migrations.close).toBeGreaterThan(0);
  });
});
