// The demo's closing sentences as a function of the counts: every number printed is one of the
// counts, every non-zero loss is mentioned, and the migrated connections are all accounted for.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { inFlightSentence, type StoryCounts } from "../../src/cli/demo-story.js";

const counts = fc
  .record({
    reset: fc.nat(500),
    timedOut: fc.nat(3),
    programDrops: fc.nat(3),
    migratedToNew: fc.nat(300),
    migratedToOld: fc.nat(300),
    closingShare: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ closingShare, ...c }): StoryCounts => ({
    ...c,
    migratedToClosingOld: Math.floor(c.migratedToOld * closingShare),
  }));

describe("inFlightSentence", () => {
  it("the three shapes of the demo", () => {
    const base = { timedOut: 0, programDrops: 0 };
    expect(
      inFlightSentence("no migration", {
        ...base,
        reset: 212,
        migratedToNew: 0,
        migratedToOld: 0,
        migratedToClosingOld: 0,
      }),
    ).toBe("no migration: 212 connections reset.");
    expect(
      inFlightSentence("no migration", {
        ...base,
        reset: 1,
        migratedToNew: 0,
        migratedToOld: 0,
        migratedToClosingOld: 0,
      }),
    ).toBe("no migration: 1 connection reset.");
    expect(
      inFlightSentence("kernel pick", {
        ...base,
        reset: 0,
        migratedToNew: 120,
        migratedToOld: 96,
        migratedToClosingOld: 96,
      }),
    ).toBe("kernel pick: 0 reset, 96 moved to old-generation listeners that later closed, 120 to the new generation.");
    expect(
      inFlightSentence("migrate_to_newest", {
        ...base,
        reset: 0,
        migratedToNew: 907,
        migratedToOld: 0,
        migratedToClosingOld: 0,
      }),
    ).toBe("migrate_to_newest: 0 reset, all 907 moved to the new generation.");
  });

  it("mentions every loss and accounts for every migration", () => {
    fc.assert(
      fc.property(counts, (c) => {
        const s = inFlightSentence("v", c);
        expect(s.startsWith("v: ")).toBe(true);
        expect(s.endsWith(".")).toBe(true);
        expect(s).toMatch(new RegExp(`\\b${c.reset} (connections? )?reset\\b`));
        expect(s.includes(`${c.timedOut} timed out`)).toBe(c.timedOut > 0);
        expect(s.includes(`${c.programDrops} dropped by the program`)).toBe(c.programDrops > 0);
        const moved = c.migratedToNew + c.migratedToOld;
        // The migration numbers in the sentence add up to the migrations.
        const nums = [...s.matchAll(/(\d+) (?:moved|to the new)/g)].map((m) => Number(m[1]));
        if (moved === 0) expect(nums).toEqual([]);
        else expect(nums.reduce((a, b) => a + b, 0)).toBe(moved);
        expect(s.includes("later closed")).toBe(c.migratedToClosingOld > 0);
        expect(s.includes("stayed open")).toBe(c.migratedToOld - c.migratedToClosingOld > 0);
      }),
    );
  });
});
