// `baton simulate --ndjson FILE`: one JSON object per connection per line, in the order the
// connections' fates became final, each exactly the record `--connections` keeps (same keys in
// the same order); the same scenario and seed give the same bytes.
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { NdjsonWriter } from "../../src/model/ndjson.js";
import { parseScenario } from "../../src/model/scenario.js";
import type { ConnRecord } from "../../src/model/sim-result.js";
import { simulate } from "../../src/model/simulator.js";
import { runs } from "../support/runs.js";

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
    const kept = simulate(parseScenario(readFileSync(SCENARIO, "utf8"), SCENARIO), {
      keepConnections: true,
    }).connectionRecords!;
    expect(lines.length).toBe(kept.length);
    expect(lines).toEqual(kept.map((r) => JSON.stringify(r)));
    // The documented shape, keys in this order; migrations carry when, which point, from, to.
    expect(Object.keys(JSON.parse(lines[0]!) as object)).toEqual([
      "id",
      "client",
      "src",
      "hash",
      "synAtMs",
      "listener",
      "migrations",
      "fate",
      "by",
      "cause",
      "endAtMs",
      "synAcks",
    ]);
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

describe("NdjsonWriter", () => {
  it("writes exactly JSON.stringify of any record, one per line (property)", () => {
    const name = fc.oneof(
      fc.string(),
      fc.constantFrom("old0", 'q"uote', "back\\slash", "tab\t", "é", "🦀", "x".repeat(3000)),
    );
    const ms = fc.integer({ min: 0, max: 86_400_000_000 }).map((us) => us / 1000);
    const rec: fc.Arbitrary<ConnRecord> = fc.record({
      id: fc.integer({ min: 1, max: 10_000_000 }),
      client: name,
      src: fc
        .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 65535 }))
        .map(([ip, p]) => `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}:${p}`),
      hash: fc.integer({ min: 0, max: 0xffffffff }),
      synAtMs: ms,
      listener: fc.option(name),
      migrations: fc.array(
        fc.record({
          atMs: ms,
          point: fc.constantFrom("close" as const, "timer" as const, "ack" as const),
          from: name,
          to: name,
        }),
        { maxLength: 3 },
      ),
      fate: fc.constantFrom("accepted" as const, "reset" as const, "timed-out" as const, "open" as const),
      by: fc.option(name),
      cause: fc.option(fc.constantFrom("no-listener" as const, "expired" as const, "in-flight" as const)),
      endAtMs: ms,
      synAcks: fc.integer({ min: 0, max: 255 }),
    });
    const dir = mkdtempSync(join(tmpdir(), "baton-ndjson-w-"));
    fc.assert(
      fc.property(fc.array(rec, { maxLength: 40 }), (recs) => {
        const f = join(dir, "w.ndjson");
        const fd = openSync(f, "w");
        const w = new NdjsonWriter(fd);
        for (const r of recs) w.write(r);
        w.flush();
        closeSync(fd);
        expect(readFileSync(f, "utf8")).toBe(recs.map((r) => `${JSON.stringify(r)}\n`).join(""));
      }),
      { numRuns: runs(60), seed: 19 },
    );
  });
});
