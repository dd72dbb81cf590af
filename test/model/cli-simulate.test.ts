// `baton simulate`: the summary, --json, --report, and policy resolution errors.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { parseScenario } from "../../src/model/scenario.js";
import { simulate } from "../../src/model/simulator.js";

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

const tmp = mkdtempSync(join(tmpdir(), "baton-sim-"));

describe("baton simulate", () => {
  it("prints a summary table", async () => {
    const r = await cli(["simulate", "scenarios/flood.json"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^scenario flood {2}seed 7 {2}20000 ms simulated\n/);
    expect(r.out).toMatch(/\ntarget +\d+ +\d+ +0 +0 +129 {2}LISTEN\n/);
    expect(r.out).toMatch(/ListenOverflows +\d+/);
  });

  it("--json is the simulator's result; --seed changes it deterministically", async () => {
    const r = await cli(["simulate", "scenarios/rolling-restart-kernel-pick.json", "--json", "--seed", "5"]);
    const sc = parseScenario(readFileSync("scenarios/rolling-restart-kernel-pick.json", "utf8"), "x");
    expect(JSON.parse(r.out)).toEqual(JSON.parse(JSON.stringify(simulate(sc, { seed: 5 }))));
  });

  it("--report writes a self-contained HTML page with SVG charts", async () => {
    const f = join(tmp, "r.html");
    const r = await cli(["simulate", "scenarios/rolling-restart-kernel-pick.json", "--report", f]);
    expect(r.code).toBe(0);
    const html = readFileSync(f, "utf8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect((html.match(/<svg /g) ?? []).length).toBe(3);
    expect(html).not.toMatch(/<script|https?:\/\/(?!json-schema)/);
  });

  it("--ndjson streams one record per connection", async () => {
    const f = join(tmp, "c.ndjson");
    const r = await cli(["simulate", "scenarios/flood.json", "--ndjson", f]);
    expect(r.code).toBe(0);
    const lines = readFileSync(f, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.length).toBe(4000);
    expect(Object.keys(lines[0]).sort()).toEqual([
      "by",
      "cause",
      "client",
      "endAtMs",
      "fate",
      "hash",
      "id",
      "listener",
      "migrations",
      "src",
      "synAcks",
      "synAtMs",
    ]);
  });

  it("a scenario error is reported with file and JSON pointer (exit 1)", async () => {
    const f = join(tmp, "bad.json");
    writeFileSync(f, JSON.stringify({ durationMs: 10, listeners: [], events: [{ at: "soon", do: "close" }] }));
    const r = await cli(["simulate", f]);
    expect(r.code).toBe(1);
    expect(r.err.trim()).toBe(`error: ${f}: /events/0/at: expected a number from 0 to 86400000, got "soon"`);
  });

  it("a runtime refusal names the file and the event", async () => {
    const f = join(tmp, "twice.json");
    writeFileSync(
      f,
      JSON.stringify({
        durationMs: 10,
        listeners: [{ name: "A", listenAt: 0 }],
        events: [
          { at: 1, do: "close", listener: "A" },
          { at: 2, do: "close", listener: "A" },
        ],
      }),
    );
    const r = await cli(["simulate", f]);
    expect(r.code).toBe(1);
    expect(r.err.trim()).toBe(`error: ${f}: /events/1 (close at 2 ms): socket A is already closed (EBADF)`);
  });

  it("a missing policy file is reported clearly", async () => {
    const f = join(tmp, "p.json");
    writeFileSync(
      f,
      JSON.stringify({
        durationMs: 10,
        listeners: [{ name: "A", listenAt: 0 }],
        events: [{ at: 0, do: "attach", via: "A", policy: "policies/nope.baton" }],
      }),
    );
    const r = await cli(["simulate", f]);
    expect(r.code).toBe(1);
    expect(r.err.trim()).toBe(`error: ${f}: policy "policies/nope.baton": cannot read 'policies/nope.baton': ENOENT`);
  });

  it.skipIf(!existsSync("policies/migrate_to_newest.baton"))(
    "runs a compiled policy on both engines with the same result (skipped when the policy file is absent)",
    async () => {
      const a = await cli(["simulate", "scenarios/rolling-restart-policy.json", "--json", "--engine", "interp"]);
      const b = await cli(["simulate", "scenarios/rolling-restart-policy.json", "--json", "--engine", "jit"]);
      expect(a.err).toBe("");
      const ra = JSON.parse(a.out);
      expect(ra.connections.reset).toBe(0);
      expect(
        ra.listeners
          .filter((l: { name: string }) => l.name.startsWith("old"))
          .every((l: { migratedIn: number }) => l.migratedIn === 0),
      ).toBe(true);
      expect(b.out).toBe(a.out);
    },
  );
});

describe("baton simulate --policy with other program formats", () => {
  it("refuses --policy for a scenario that attaches no policy file (nothing silently ignored)", async () => {
    const r = await cli([
      "simulate",
      "scenarios/rolling-restart-kernel-pick.json",
      "--policy",
      "policies/kernel_default.baton",
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("attaches no policy file, so --policy has nothing to replace");
  });
  it("runs an ELF object as the policy", async () => {
    // The scenario without its maps: pass.o declares none, so writing them would be an error.
    const sc = JSON.parse(readFileSync("scenarios/rolling-restart-policy.json", "utf8")) as {
      maps?: unknown;
      events: { do: string }[];
    };
    delete sc.maps;
    sc.events = sc.events.filter((e) => e.do !== "map");
    const file = join(mkdtempSync(join(tmpdir(), "baton-elf-")), "no-maps.json");
    writeFileSync(file, JSON.stringify(sc));
    const r = await cli(["simulate", file, "--policy", "test/fixtures/c/pass.o", "--json"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out) as { connections: { total: number } };
    expect(res.connections.total).toBeGreaterThan(0);
  });
  it("refuses scenario maps the policy does not declare, naming the JSON pointer", async () => {
    const r = await cli(["simulate", "scenarios/rolling-restart-policy.json", "--policy", "test/fixtures/c/pass.o"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^error: scenarios\/rolling-restart-policy.json: \/maps\/0\/name: no policy in this scenario declares a map named "listeners" \(policies\/migrate_to_newest.baton \(.*\) declares no maps\)/,
    );
  });
});

describe("simulate --maps", () => {
  it("prints every map's contents after the summary, the same entries --json has", async () => {
    const r = await cli(["simulate", "scenarios/least-loaded-published.json", "--maps"]);
    expect(r.code).toBe(0);
    const [summaryPart, mapsPart] = r.out.split("\nmaps:\n");
    expect(summaryPart).toContain("connections");
    const j = await cli(["simulate", "scenarios/least-loaded-published.json", "--json"]);
    const maps = (JSON.parse(j.out) as { maps: { name: string; entries: { key: unknown }[]; more: number }[] }).maps;
    expect(maps.length).toBeGreaterThan(0);
    for (const m of maps) {
      const n = m.entries.length + m.more;
      expect(mapsPart).toContain(`map ${m.name} (`);
      expect(mapsPart).toContain(`: ${n} ${n === 1 ? "entry" : "entries"}`);
    }
  });
  it("without --maps the table output has no maps part", async () => {
    const r = await cli(["simulate", "scenarios/least-loaded-published.json"]);
    expect(r.out).not.toContain("\nmaps:\n");
  });
});
