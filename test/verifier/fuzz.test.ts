// Soundness property: every program the verifier accepts runs without a trap, within the
// budget, and returns 0 or 1 — checked on generated near-valid programs (fast-check seeds).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzOne, generate, type FuzzStats } from "./fuzz-lib.js";
import { runs } from "../support/runs.js";

describe("verifier soundness (fuzz)", () => {
  it("accepted programs never trap in the interpreter", () => {
    const stats: FuzzStats = { tried: 0, assembled: 0, accepted: 0, runs: 0, failures: [] };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        fuzzOne(seed, 20, stats);
        return stats.failures.length === 0;
      }),
      { numRuns: runs(50), seed: 4242 },
    );
    console.log(
      `fuzz: ${stats.tried} programs, ${stats.assembled} assembled, ${stats.accepted} accepted, ${stats.runs} runs`,
    );
    expect(stats.failures).toEqual([]);
    expect(stats.accepted).toBeGreaterThan(10);
  }, 60_000);
  it("the generator is deterministic", () => {
    expect(generate(7)).toBe(generate(7));
  });
});
