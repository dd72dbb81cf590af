import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileToElf, linkProgram, readElfObject } from "../../src/elf/index.js";
import { BatonError } from "../../src/errors.js";
import { FIXTURES, fixtureBytes } from "./fixtures.js";
import { runs } from "../support/runs.js";

/** Read and link every program; returns "ok" or the error's code. Anything not a BatonError escapes. */
function attempt(bytes: Uint8Array): string {
  try {
    const obj = readElfObject(bytes, "fuzz.o");
    for (const p of obj.programs) {
      try {
        linkProgram(obj, p.name);
      } catch (e) {
        if (!(e instanceof BatonError)) throw e;
      }
    }
    return "ok";
  } catch (e) {
    if (e instanceof BatonError) return e.code;
    throw e;
  }
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("byte" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

describe("mutated objects never crash (always a value or a located BatonError)", () => {
  for (const name of FIXTURES) {
    it(name, () => {
      const original = fixtureBytes(name);
      // Relocations, symbols and section headers sit in clang's last ~40%; aim half of the mutations there.
      const tail = Math.floor(original.length * 0.6);
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.boolean(), (muts, aimAtHeaders) => {
          let b = original.slice();
          for (const m of muts) {
            const span = aimAtHeaders ? b.length - Math.min(tail, b.length) : b.length;
            const base = aimAtHeaders ? Math.min(tail, b.length) : 0;
            if (b.length === 0) break;
            const at = base + (m.at % Math.max(1, span));
            if (m.kind === "truncate") b = b.slice(0, m.at % b.length);
            else if (at < b.length) b[at] = m.kind === "flip" ? b[at]! ^ (1 << m.bit) : m.value;
          }
          const r = attempt(b);
          expect(typeof r).toBe("string");
        }),
        { numRuns: runs(300), seed: 7 },
      );
    });
  }

  it("Baton-exported objects (small, so most bytes are structure)", () => {
    const obj = readElfObject(fixtureBytes("least_loaded"), "least_loaded.o");
    const p = linkProgram(obj);
    const exported = compileToElf(p.insns, p.maps, { attachType: p.attachType, programName: p.name });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (muts) => {
        let b = exported.slice();
        for (const m of muts) {
          if (b.length === 0) break;
          if (m.kind === "truncate") b = b.slice(0, m.at % b.length);
          else b[m.at % b.length] = m.kind === "flip" ? b[m.at % b.length]! ^ (1 << m.bit) : m.value;
        }
        expect(typeof attempt(b)).toBe("string");
      }),
      { numRuns: runs(1000), seed: 3 },
    );
  });

  it("every single-bit flip of the ELF and section headers of select_by_index is handled", () => {
    const original = fixtureBytes("select_by_index");
    const shoff = new DataView(original.buffer).getUint32(0x28, true);
    const positions = [...Array(64).keys(), ...Array.from({ length: original.length - shoff }, (_, i) => shoff + i)];
    const codes = new Set<string>();
    for (const at of positions) {
      for (let bit = 0; bit < 8; bit++) {
        const b = original.slice();
        b[at] = b[at]! ^ (1 << bit);
        codes.add(attempt(b));
      }
    }
    expect(codes.has("ok")).toBe(true);
    expect([...codes].every((c) => c === "ok" || c.startsWith("elf.") || c === "usage")).toBe(true);
  });
});
