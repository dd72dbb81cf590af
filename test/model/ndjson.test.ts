// `baton simulate --ndjson FILE`: one JSON object per connection per line, in the order the
// connections' fates became final, each exactly the record `--connections` keeps (same keys in
// the same order); the same scenario and seed give the same bytes.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { parseScenario } from "../../src/model/scenario.js";
import { simulate } from "../../src/model/simulator.js";

const tmp = mkdtempSync(join(tmpdir(), "baton-ndjson-"));
const SCENARIO = "scenarios/rolling-restart-kernel-pick.json";

async function ndjson(name: string, ...extra: string[]): Promise<string> {
  const f = join(tmp, name);
  const code = await main(["simulate", SCENARIO, "--ndjson", f, ...extra], { out: () => {}, err: () => {} });
  expect(code).toBe(0);
  return readFileSync(f, "utf8");
}

describe("simulate --ndjson", () => {
  it("writes each connection's record as one line of JSON, as --connections keeps it", async () => {
    const text = await ndjson("a.ndjson");
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.slice(0, -1).split("\n");
    const kept = simulate(parseScenario(readFileSync(SCENARIO, "utf8"), SCENARIO), { keepConnections: true }).connectionRecords!;
    expect(lines.length).toBe(kept.length);
    expect(lines).toEqual(kept.map((r) => JSON.stringify(r)));
    // The documented shape, keys in this order; migrations carry when, which point, from, to.
    expect(Object.keys(JSON.parse(lines[0]!) as object)).toEqual(["id", "client", "src", "hash", "synAtMs", "listener", "migrations", "fate", "by", "cause", "endAtMs"]);
    const migrated = kept.find((r) => r.migrations.length > 0)!;
    expect(Object.keys(migrated.migrations[0]!)).toEqual(["atMs", "point", "from", "to"]);
    expect(new Set(kept.map((r) => r.id)).size).toBe(kept.length); // every connection once
  });

  it("is deterministic: the same seed gives the same bytes, another seed other bytes", async () => {
    const a = await ndjson("b1.ndjson", "--seed", "3");
    const b = await ndjson("b2.ndjson", "--seed", "3");
    const c = await ndjson("b3.ndjson", "--seed", "4");
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it("streams without keeping records in the result", () => {
    let n = 0;
    const r = simulate(parseScenario(readFileSync(SCENARIO, "utf8"), SCENARIO), { onConnection: () => n++ });
    expect(r.connectionRecords).toBeUndefined();
    expect(n).toBe(r.connections.total);
  });
});
