import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decode, encode, isWide, makeInsn, OP_LDDW, OPCODES, toSlots } from "../../src/vm/isa.js";
import { arbInsn, arbProgram } from "./asm/arbitrary.js";
import { runs } from "../support/runs.js";

describe("isa encode/decode", () => {
  it("every catalogue entry keeps its opcode and a sane width", () => {
    for (const [op, info] of OPCODES) {
      expect(info.opcode).toBe(op);
      expect([1, 2, 4, 8]).toContain(info.width);
      expect(op).toBeGreaterThanOrEqual(0);
      expect(op).toBeLessThan(256);
    }
  });

  it("property: one instruction round-trips through encode/decode field by field", () => {
    fc.assert(
      fc.property(arbInsn, (insn) => {
        const bytes = encode([insn], true);
        expect(bytes.length).toBe(isWide(insn) ? 16 : 8);
        const [first] = decode(bytes);
        expect(first).toEqual(insn);
      }),
      { numRuns: runs(2000) },
    );
  });

  it("property: programs round-trip (compact → bytes → slots → bytes)", () => {
    fc.assert(
      fc.property(arbProgram, (prog) => {
        const bytes = encode(prog, true);
        const slots = decode(bytes);
        expect(slots.length).toBe(toSlots(prog).length);
        expect(encode(slots)).toEqual(bytes);
        expect(encode(toSlots(prog))).toEqual(bytes);
      }),
      { numRuns: runs(500) },
    );
  });

  it("decodes the lddw example of FORMAT.md (-- raw words)", () => {
    const bytes = new Uint8Array([0x18, 0, 0, 0, 0x88, 0x77, 0x66, 0x55, 0, 0, 0, 0, 0x44, 0x33, 0x22, 0x11]);
    const [i] = decode(bytes);
    expect(i).toEqual(makeInsn(OP_LDDW, 0, 0, 0, 0x55667788, 0x11223344));
  });
});
