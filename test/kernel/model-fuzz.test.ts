// The socket model against the kernel on random race-free scenarios (model-diff.ts): IPv4, IPv6
// and dual-stack groups, listeners that start, shut down and close between connects, built-in
// programs, tcp_migrate_req 0 and 1. Every connection's fate and the migration counters must
// agree. `npx tsx test/kernel/model-fuzz.ts COUNT SEED` runs more of the same.
import { describe, expect, it } from "vitest";
import { kernelNamespaceAvailability } from "../../src/kernel/harness.js";
import { renderScript } from "../../src/kernel/scenario.js";
import { runs } from "../support/runs.js";
import { compareWithModel, randomScenario } from "./model-diff.js";

const avail = kernelNamespaceAvailability();
if (!avail.available) console.warn(`model fuzz skipped: ${avail.reason}`);

describe(`socket model vs kernel on random scenarios${avail.available ? "" : ` (skipped: ${avail.reason})`}`, () => {
  it.skipIf(!avail.available)(
    "agree on every connection and counter",
    async () => {
      let compared = 0;
      for (let seed = 1; seed <= runs(12); seed++) {
        const ks = randomScenario(seed);
        const c = await compareWithModel(ks);
        if (c.compared) compared++;
        expect(c.differences, `seed ${seed}:\n${renderScript(ks)}`).toEqual([]);
      }
      expect(compared).toBeGreaterThan(0);
    },
    600_000,
  );
});

describe("randomScenario", () => {
  it("is a pure function of its seed and stays inside the harness's bounds", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const a = randomScenario(seed);
      expect(renderScript(randomScenario(seed))).toBe(renderScript(a));
      const clients = a.steps.reduce((n, s) => n + (s.op === "connect" ? s.count : 0), 0);
      expect(clients).toBeLessThanOrEqual(100);
      expect(a.steps.at(-1)?.op).toBe("accept");
    }
  });
});
