import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import * as isa from "../../src/vm/isa.js";
import { fileURLToPath } from "node:url";
import {
  decode,
  encode,
  insnOf,
  isWide,
  makeInsn,
  Op,
  OP_COUNT,
  OP_DESC,
  OP_LDDW,
  opOf,
  toSlots,
} from "../../src/vm/isa.js";
import { arbInsn, arbProgram } from "./asm/arbitrary.js";
import { runs } from "../support/runs.js";

describe("isa encode/decode", () => {
  it("every instruction's description keeps an opcode byte and a sane width", () => {
    for (const d of OP_DESC.slice(1)) {
      expect([1, 2, 4, 8]).toContain(d.width);
      expect(d.opcode).toBeGreaterThanOrEqual(0);
      expect(d.opcode).toBeLessThan(256);
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

describe("one name per instruction (Op)", () => {
  // Under vitest the const enum exists as an object (name -> value, value -> name), so its
  // names can be listed; tsc forbids naming it as a value, hence the namespace lookup.
  const enumObject = (isa as unknown as Record<string, Record<string, number>>)["Op"]!;
  const names = Object.keys(enumObject).filter((k) => Number.isNaN(Number(k)));

  it("OP_DESC describes every Op under its own name, densely from 0", () => {
    expect(OP_DESC.length).toBe(OP_COUNT);
    expect(names.length).toBe(OP_COUNT);
    for (const name of names) {
      const op = enumObject[name]!;
      expect(OP_DESC[op]!.name).toBe(name);
      expect(OP_DESC[op]!.op).toBe(op);
    }
  });

  it("insnOf and opOf name the same instruction for every Op", () => {
    for (let op = 1; op < OP_COUNT; op++) expect(opOf(insnOf(op as Op))).toBe(op);
    expect(opOf(makeInsn(0x00))).toBe(Op.INVALID);
    expect(opOf(makeInsn(0x8f))).toBe(Op.INVALID); // neg with a register source
  });

  it("the selector fields complete an opcode byte; an undefined selector value is the plain form", () => {
    const sdiv = makeInsn(OP_DESC[Op.DIV64_K]!.opcode, 1, 0, 1, 3);
    expect(opOf(sdiv)).toBe(Op.SDIV64_K);
    expect(opOf({ ...sdiv, off: 2 })).toBe(Op.DIV64_K);
    expect(opOf(insnOf(Op.MOVSX16_32, 1, 2))).toBe(Op.MOVSX16_32);
    expect(opOf(makeInsn(OP_DESC[Op.BE16]!.opcode, 1, 0, 0, 24))).toBe(Op.BE64);
    expect(opOf(makeInsn(OP_DESC[Op.CALL]!.opcode, 0, 7, 0, 1))).toBe(Op.CALL);
    expect(opOf(insnOf(Op.CALL_LOCAL, 0, 0, 0, 4))).toBe(Op.CALL_LOCAL);
  });

  it("every opcode byte of an instruction names an Op of that byte, and no other byte does", () => {
    const bytes = new Set(OP_DESC.slice(1).map((d) => d.opcode));
    expect(bytes.size).toBe(126);
    for (let b = 0; b < 256; b++) {
      const op = opOf(makeInsn(b));
      expect(op !== Op.INVALID).toBe(bytes.has(b));
      if (op !== Op.INVALID) expect(OP_DESC[op]!.opcode).toBe(b);
    }
  });

  it("the interpreter's handler codes begin with Op in its order", () => {
    // The interpreter keeps a literal copy so its switch labels are constants under any compiler.
    const src = readFileSync(fileURLToPath(new URL("../../src/vm/interpreter.ts", import.meta.url)), "utf8");
    const start = src.indexOf("// ---- `Op`, in its order ----");
    const end = src.indexOf("// ---- the interpreter's own ----");
    expect(start).toBeGreaterThan(0);
    const copied = [...src.slice(start, end).matchAll(/^\s+([A-Z][A-Z0-9_]*),$/gm)].map((m) => m[1]);
    expect(copied).toEqual(names);
  });
});
