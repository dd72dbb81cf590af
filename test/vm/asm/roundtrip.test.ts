/** Property: random valid programs survive disassemble → assemble unchanged, in both directions. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assemble } from "../../../src/vm/asm/assembler.js";
import { disassemble } from "../../../src/vm/asm/disassembler.js";
import { encode } from "../../../src/vm/isa.js";
import { arbProgram } from "./arbitrary.js";
import { runs } from "../../support/runs.js";

describe("disassembler/assembler round trip", () => {
  it("property: bytes → conformance text → bytes is the identity", () => {
    fc.assert(
      fc.property(arbProgram, (prog) => {
        const bytes = encode(prog, true);
        const text = disassemble(bytes);
        expect(text.split("\n").length - 1).toBe(prog.length);
        expect(assemble(text)).toEqual(bytes);
      }),
      { numRuns: runs(1000) },
    );
  });

  it("property: with labels, bytes → text → bytes is still the identity", () => {
    fc.assert(
      fc.property(arbProgram, (prog) => {
        const bytes = encode(prog, true);
        expect(assemble(disassemble(bytes, { labels: true }))).toEqual(bytes);
      }),
      { numRuns: runs(1000) },
    );
  });

  it("labels name instruction starts and the end of the program; a target inside an lddw stays numeric", () => {
    const bytes = assemble("jeq %r1, 0, +2\nlddw %r0, 1\nja -2\ncall local -1\nja +0\nexit");
    expect(disassemble(bytes, { labels: true })).toBe(
      "jeq %r1, 0, L3\nlddw %r0, 0x1\nL3:\nja -2\nL4:\ncall local L4\nja L6\nL6:\nexit\n",
    );
  });

  it("property: text → bytes → text is the identity for disassembler output", () => {
    fc.assert(
      fc.property(arbProgram, (prog) => {
        const text = disassemble(encode(prog, true));
        expect(disassemble(assemble(text))).toBe(text);
      }),
      { numRuns: runs(300) },
    );
  });

  it("property: every valid instruction has a kernel-style spelling", () => {
    fc.assert(
      fc.property(arbProgram, (prog) => {
        const lines = disassemble(encode(prog, true), { style: "kernel" }).split("\n");
        expect(lines.length - 1).toBe(prog.length);
        for (const l of lines.slice(0, -1)) expect(l).toMatch(/^\d+: \([0-9a-f]{2}\) \S/);
      }),
      { numRuns: runs(300) },
    );
  });
});
