// Each example policy in a rolling restart of its own (scenarios/*-restart.json, and the older
// scenarios for the other policies): where its connections go, checked from the per-connection
// records, so each scenario shows what its description says.
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { ConnRecord, SimResult } from "../../src/model/sim-result.js";

async function simulate(file: string): Promise<SimResult & { connectionRecords: ConnRecord[] }> {
  let out = "";
  let err = "";
  const code = await main(["simulate", `scenarios/${file}`, "--json", "--connections"], {
    out: (t) => (out += t),
    err: (t) => (err += t),
  });
  expect(err).toBe("");
  expect(code).toBe(0);
  return JSON.parse(out) as SimResult & { connectionRecords: ConnRecord[] };
}

const isNew = (name: string | null): boolean => name !== null && name.startsWith("new");

describe("example policies in a rolling restart", () => {
  it("consistent_hash: after the switch every new connection goes to the new generation, none reset", async () => {
    const r = await simulate("consistent-hash-restart.json");
    const late = r.connectionRecords.filter((c) => c.synAtMs >= 1750 && c.migrations.length === 0);
    expect(late.length).toBeGreaterThan(1000);
    expect(late.every((c) => isNew(c.listener))).toBe(true);
    // Spread over all eight new listeners, not piled onto one.
    expect(new Set(late.map((c) => c.listener)).size).toBe(8);
    expect(r.connections.reset).toBe(0);
  });

  it("kernel_default: migrations happen by hash although tcp_migrate_req is 0", async () => {
    const r = await simulate("kernel-default-restart.json");
    expect(r.migrations.close).toBeGreaterThan(0);
    expect(r.connections.reset).toBe(0);
    expect(r.connections.accepted).toBe(r.connections.total);
  });

  it("cpu_affinity: every SYN lands on CPU 0, so only by_cpu[0]'s listener gets new connections", async () => {
    const r = await simulate("cpu-affinity-restart.json");
    const firstSyn = r.connectionRecords.filter((c) => c.migrations.length === 0 && c.listener !== null);
    expect(new Set(firstSyn.map((c) => c.listener))).toEqual(new Set(["old0", "new0"]));
  });

  it("shed_on_overload: refusals only while the control plane reports overload", async () => {
    const r = await simulate("shed-on-overload-restart.json");
    const refused = r.connectionRecords.filter(
      (c) => c.fate === "reset" && c.migrations.length === 0 && c.listener === null,
    );
    expect(refused.length).toBeGreaterThan(1000);
    // Refused at the SYN (no listener answered), and only inside the overload window [3 s, 4 s).
    expect(refused.every((c) => c.synAtMs >= 3000 && c.synAtMs < 4000)).toBe(true);
    // shed[0] counts every refusal the policy made: these SYNs, and half-open requests of a
    // closing listener it dropped instead of migrating during the overload.
    const shed = r.maps.find((m) => m.name === "shed" && m.owner !== "scenario");
    expect(shed?.entries[0]?.value).toBeGreaterThanOrEqual(refused.length);
  });

  it("weighted_canary: about a tenth of new connections go to the canaries once they exist", async () => {
    const r = await simulate("weighted-canary-restart.json");
    const before = r.connectionRecords.filter((c) => c.synAtMs < 1750 && c.migrations.length === 0);
    expect(before.some((c) => isNew(c.listener))).toBe(false);
    // Between the switch and the first old listener's close: canary share by connection hash.
    const window = r.connectionRecords.filter((c) => c.synAtMs >= 1750 && c.synAtMs < 2000 && c.listener !== null);
    const share = window.filter((c) => isNew(c.listener)).length / window.length;
    expect(window.length).toBeGreaterThan(500);
    expect(share).toBeGreaterThan(0.05);
    expect(share).toBeLessThan(0.15);
  });
});

describe("power_of_two in a rolling restart", () => {
  it("after the switch, new connections spread over the new generation by published load", async () => {
    const r = await simulate("power-of-two-restart.json");
    const late = r.connectionRecords.filter((c) => c.synAtMs >= 1750 && c.migrations.length === 0);
    expect(late.every((c) => isNew(c.listener))).toBe(true);
    const per = new Map<string, number>();
    for (const c of late) per.set(c.listener!, (per.get(c.listener!) ?? 0) + 1);
    // Two choices by load: no new listener starves and none takes more than twice its share.
    expect(per.size).toBe(8);
    for (const n of per.values()) expect(n).toBeLessThan((2 * late.length) / 8);
    expect(r.connections.reset).toBe(0);
  });
});
