import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { warmUpPrograms, warmUpVerifier } from "../../src/cli/verifier-warmup.js";
import { verify } from "../../src/verifier/index.js";
import { makeInsn } from "../../src/vm/isa.js";

describe("verifier warm-up (verify --compare-kernel)", () => {
  it("verifies programs the verifier accepts, each exercising real work", () => {
    const programs = warmUpPrograms();
    expect(programs.length).toBeGreaterThanOrEqual(4);
    for (const p of programs) {
      const r = verify(p.insns, p.options);
      expect(r.error?.message ?? null).toBeNull();
      expect(r.accepted).toBe(true);
      expect(r.processed).toBeGreaterThan(p.insns.length / 2);
    }
  });

  it("reports the time it spent", () => {
    expect(warmUpVerifier(1)).toBeGreaterThan(0);
  });
});

describe("verify() takes its own copy of the instructions", () => {
  // Arrays of different origins (holey from decode, packed from the compiler, objects of other shapes).
  it("gives the same verdict whatever the array's or objects' shape", () => {
    const base = warmUpPrograms();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: base.length - 1 }), fc.boolean(), (k, holey) => {
        const p = base[k]!;
        const reshaped = holey ? new Array(p.insns.length) : [];
        p.insns.forEach((x, i) => {
          const y = { extra: i, ...makeInsn(x.opcode, x.dst, x.src, x.off, x.imm, x.imm2) };
          if (holey) reshaped[i] = y;
          else reshaped.push(y);
        });
        const a = verify(p.insns, p.options);
        const b = verify(reshaped, p.options);
        expect(b.accepted).toBe(a.accepted);
        expect(b.processed).toBe(a.processed);
        expect(b.states).toBe(a.states);
      }),
      { numRuns: 12 },
    );
  });
});
