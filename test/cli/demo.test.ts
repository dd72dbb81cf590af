// `baton demo`: the rolling restart three ways, through main(); the numbers must tell the story
// the model tells (R12–R16): without migration the closing listeners lose connections; the
// kernel pick and the migrate_to_newest policy lose none, and the policy migrates to the new
// generation only.
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { DemoColumn } from "../../src/cli/commands/demo.js";

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

describe("baton demo", () => {
  let cols: Record<string, DemoColumn> = {};
  let jsonText = "";

  it("--json gives one column per variant", async () => {
    const r = await cli(["demo", "--seed", "42", "--json"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    jsonText = r.out;
    const parsed = JSON.parse(r.out) as { seed: number; columns: DemoColumn[] };
    expect(parsed.seed).toBe(42);
    expect(parsed.columns.map((c) => c.variant)).toEqual(["no-migration", "kernel-pick", "policy"]);
    cols = Object.fromEntries(parsed.columns.map((c) => [c.variant, c]));
  });

  it("every connection has exactly one fate in every column", () => {
    for (const c of Object.values(cols)) {
      expect(c.connections).toBe(22000);
      expect(c.acceptedOld + c.acceptedNew + c.reset + c.timedOut + c.open).toBe(c.connections);
      expect(c.migratedToNew + c.migratedToOld).toBe(c.migratedClose + c.migratedTimer + c.migratedAck);
      expect(Object.values(c.resetCauses).reduce((a, b) => a + b, 0)).toBe(c.reset);
    }
  });

  it("no migration: closing listeners reset their queues and drop their requests", () => {
    const c = cols["no-migration"]!;
    expect(c.tcpMigrateReq).toBe(0);
    expect(c.policy).toBeNull();
    expect(c.reset).toBeGreaterThan(0);
    expect(c.resetCauses["not-migrated"]).toBeGreaterThan(0); // R14: accept queue at close
    expect(c.migratedClose + c.migratedTimer + c.migratedAck).toBe(0);
    expect(c.TCPMigrateReqSuccess).toBe(0);
  });

  it("kernel pick: nothing lost, but some migrations land on the old generation", () => {
    const c = cols["kernel-pick"]!;
    expect(c.tcpMigrateReq).toBe(1);
    expect(c.reset + c.timedOut + c.open).toBe(0);
    expect(c.migratedClose).toBeGreaterThan(0);
    expect(c.migratedToOld).toBeGreaterThan(0); // scale(hash, num_socks) over whatever still listens (R12 step 7)
    expect(c.TCPMigrateReqSuccess).toBe(c.migratedClose + c.migratedTimer + c.migratedAck);
    expect(c.TCPMigrateReqFailure).toBe(0);
  });

  it("policy: nothing lost, nothing dropped, every migration to the new generation", () => {
    const c = cols["policy"]!;
    expect(c.policy).toBe("policies/migrate_to_newest.baton");
    expect(c.reset + c.timedOut + c.open + c.programDrops).toBe(0);
    expect(c.migratedClose).toBeGreaterThan(0);
    expect(c.migratedToOld).toBe(0);
    expect(c.migratedToNew).toBe(c.TCPMigrateReqSuccess);
    expect(c.acceptedNew).toBeGreaterThan(cols["no-migration"]!.acceptedNew);
  });

  it("is deterministic for a seed, and the seed matters", async () => {
    expect((await cli(["demo", "--seed", "42", "--json"])).out).toBe(jsonText);
    const other = JSON.parse((await cli(["demo", "--seed", "7", "--json"])).out) as { columns: DemoColumn[] };
    expect(JSON.stringify(other.columns)).not.toBe(JSON.stringify(JSON.parse(jsonText).columns));
  });

  it("prints the table side by side", async () => {
    const r = await cli(["demo"]);
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines.find((l) => l.includes("no migration"))).toMatch(/no migration +kernel pick +policy$/);
    expect(lines.find((l) => l.startsWith("connections"))).toMatch(/^connections +22000 +22000 +22000$/);
    expect(lines.find((l) => l.startsWith("  ... to the old generation"))).toMatch(/ 0$/);
  });

  it("ends with one sentence per variant, made from that run's numbers", async () => {
    for (const seed of ["42", "7"]) {
      const table = (await cli(["demo", "--seed", seed])).out.trimEnd().split("\n");
      const json = JSON.parse((await cli(["demo", "--seed", seed, "--json"])).out) as { columns: DemoColumn[] };
      const at = table.indexOf("In-flight connections:");
      expect(at).toBeGreaterThan(0);
      const sentences = table.slice(at + 1).map((l) => l.trim());
      expect(sentences).toHaveLength(3);
      const [none, pick, policy] = json.columns as [DemoColumn, DemoColumn, DemoColumn];
      expect(none.reset).toBeGreaterThan(0);
      expect(sentences[0]).toBe(`no migration: ${none.reset} connections reset.`);
      expect(pick.migratedToClosingOld).toBeGreaterThan(0);
      expect(pick.migratedToClosingOld).toBeLessThanOrEqual(pick.migratedToOld);
      expect(sentences[1]).toContain(
        `kernel pick: ${pick.reset} reset, ${pick.migratedToClosingOld} moved to old-generation listeners that later closed`,
      );
      expect(sentences[1]).toContain(`, ${pick.migratedToNew} to the new generation.`);
      expect(sentences[2]).toBe(
        `migrate_to_newest: ${policy.reset} reset, all ${policy.migratedToNew} moved to the new generation.`,
      );
    }
  });

  it.each([
    [["--seed", "x"], 2, "--seed expects an integer"],
    [["--engine", "nope"], 2, "unknown engine 'nope'"],
    [["extra"], 2, "extra"],
  ])("usage error for %j", async (args, code, msg) => {
    const r = await cli(["demo", ...args]);
    expect(r.code).toBe(code);
    expect(r.err).toContain(msg);
  });
});
