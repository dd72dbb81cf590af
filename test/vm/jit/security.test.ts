// The generated source contains only tokens the JIT chose: identifiers from a fixed allow-list,
// integer literals and punctuation — no strings, comments or template text. Crafted immediates
// and offsets change numbers only: with the numbers masked, the code has the same shape as for
// the same program with all-zero immediates and offsets. Map values live in VM memory, which
// the generated code reads through DataViews at run time, so they never reach the source.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_B,
  BPF_DW,
  BPF_H,
  BPF_LDX,
  BPF_MEM,
  BPF_MOV,
  BPF_OR,
  BPF_ST,
  BPF_STX,
  BPF_SUB,
  BPF_W,
  BPF_XOR,
  BPF_K,
  OP_EXIT,
  OP_LDDW,
  makeInsn,
  toSlots,
  type Insn,
} from "../../../src/vm/isa.js";
import { jitSource } from "../../../src/vm/jit/jit.js";
import { program } from "./gen.js";
import { testHelpers } from "./equiv-harness.js";
import { runs } from "../../support/runs.js";

const ALLOWED_IDENTIFIERS = new Set([
  // language
  "function",
  "let",
  "const",
  "if",
  "for",
  "switch",
  "case",
  "default",
  "throw",
  "return",
  "continue",
  "break",
  "try",
  "catch",
  "undefined",
  "true",
  "false",
  // JIT locals and kit names
  "run",
  "a1h",
  "a1l",
  "a2",
  "n",
  "b",
  "d",
  "t",
  "u",
  "c",
  "o",
  "R",
  "f",
  "e",
  "dz",
  "ch",
  "cv",
  "E",
  "RG",
  "RF",
  "M",
  "S",
  "SB",
  "SI",
  "SV",
  "SR",
  "SID",
  "FS",
  "RX",
  "NV",
  "id",
  "mul64",
  "udiv64",
  "sdiv64",
  "lsh64",
  "rsh64",
  "arsh64",
  "bswap32",
  "addr",
  "budget",
  "badSlot",
  "callDepth",
  "helperFault",
  "helperById",
  "callx",
  "badAtomic",
  "trustedFault",
  // the ctx-specialised copy (jit.ts): its constants, the generic function and the rebind trap
  "XID",
  "XR",
  "XV",
  "G",
  "ctxMoved",
  // properties and methods the JIT uses
  "Math",
  "imul",
  "view",
  "size",
  "writable",
  "fill",
  "executed",
  "r0hi",
  "getInt8",
  "getUint8",
  "getInt16",
  "getUint16",
  "getInt32",
  "setInt8",
  "setInt16",
  "setInt32",
]);
const REG = /^r(10|[0-9])[lh]$/;
const HELPER = /^[hLB]\d+$/;

/** Every token of `src` that is not allowed (empty when the source is clean). */
function disallowedTokens(src: string): string[] {
  const bad: string[] = [];
  const tokens = src.match(/[A-Za-z_$][\w$]*|\d+|\s+|[^\sA-Za-z_$\d]/g) ?? [];
  for (const t of tokens) {
    if (/^\s+$/.test(t) || /^\d+$/.test(t)) continue;
    if (/^[A-Za-z_$]/.test(t)) {
      if (!ALLOWED_IDENTIFIERS.has(t) && !REG.test(t) && !HELPER.test(t)) bad.push(t);
      continue;
    }
    // Punctuation: no quotes, backticks, backslashes, comments or regex/division ambiguity beyond `/`.
    if (!"(){}[];,.=+-*/%<>!&|^~?:".includes(t)) bad.push(t);
  }
  if (src.includes("//") || src.includes("/*")) bad.push("comment");
  return bad;
}

const maskNumbers = (src: string): string => src.replace(/\(-\d+\)/g, "#").replace(/\b\d+\b/g, "#");

describe("generated source contains only JIT-chosen tokens", () => {
  it("random programs, checked and trusted", () => {
    fc.assert(
      fc.property(program, fc.boolean(), (insns, trusted) => {
        const src = jitSource(insns, {
          mode: trusted ? "trusted" : "checked",
          helpers: testHelpers(),
          unwindHelper: 5,
          budget: 12345,
        });
        expect(disallowedTokens(src)).toEqual([]);
      }),
      { numRuns: runs(400), seed: 3 },
    );
  });
});

describe("the ctx-specialised copy contains only JIT-chosen tokens", () => {
  it("random programs with every access placed in ctx", () => {
    fc.assert(
      fc.property(program, (insns) => {
        const facts = {
          insns: insns.map(() => ({ memInBounds: true, memRegion: "ctx" as const })),
          loopsBounded: true,
        };
        const src = jitSource(insns, {
          mode: "trusted",
          facts,
          ctxSpecialised: true,
          helpers: testHelpers(),
          unwindHelper: 5,
          budget: 12345,
        });
        expect(disallowedTokens(src)).toEqual([]);
      }),
      { numRuns: runs(200), seed: 5 },
    );
  });
});

describe("crafted immediates and offsets change only numbers", () => {
  // Instructions whose code shape does not depend on the value of imm/off.
  const shapeStable = fc.oneof(
    fc
      .record({
        cls: fc.constantFrom(BPF_ALU, BPF_ALU64),
        code: fc.constantFrom(BPF_ADD, BPF_SUB, BPF_OR, BPF_AND, BPF_XOR, BPF_MOV),
        dst: fc.integer({ min: 0, max: 9 }),
        imm: fc.integer({ min: -2147483648, max: 2147483647 }),
      })
      .map(({ cls, code, dst, imm }) => makeInsn(cls | code | BPF_K, dst, 0, 0, imm)),
    // Bases r0-r9 only: an access through the constant r10 is checked at compile time, so its
    // offset selects one of two JIT-written shapes (direct stack access, or the trapping path).
    fc
      .record({
        size: fc.constantFrom(BPF_B, BPF_H, BPF_W, BPF_DW),
        dst: fc.integer({ min: 0, max: 9 }),
        src: fc.integer({ min: 0, max: 9 }),
        off: fc.integer({ min: -32768, max: 32767 }),
      })
      .map(({ size, dst, src, off }) => makeInsn(BPF_LDX | BPF_MEM | size, dst, src, off)),
    fc
      .record({
        size: fc.constantFrom(BPF_B, BPF_H, BPF_W, BPF_DW),
        dst: fc.integer({ min: 0, max: 9 }),
        src: fc.integer({ min: 0, max: 10 }),
        off: fc.integer({ min: -32768, max: 32767 }),
        imm: fc.integer({ min: -2147483648, max: 2147483647 }),
        reg: fc.boolean(),
      })
      .map(({ size, dst, src, off, imm, reg }) =>
        reg ? makeInsn(BPF_STX | BPF_MEM | size, dst, src, off) : makeInsn(BPF_ST | BPF_MEM | size, dst, 0, off, imm),
      ),
    fc
      .record({
        dst: fc.integer({ min: 0, max: 9 }),
        lo: fc.integer({ min: -2147483648, max: 2147483647 }),
        hi: fc.integer({ min: -2147483648, max: 2147483647 }),
      })
      .map(({ dst, lo, hi }) => makeInsn(OP_LDDW, dst, 0, 0, lo, hi)),
  );
  const zeroed = (i: Insn): Insn => makeInsn(i.opcode, i.dst, i.src, 0, 0, 0);

  it("same shape as with zero immediates and offsets", () => {
    fc.assert(
      fc.property(fc.array(shapeStable, { minLength: 1, maxLength: 30 }), fc.boolean(), (list, trusted) => {
        const prog = toSlots([...list, makeInsn(OP_EXIT)]);
        const zero = toSlots([...list.map(zeroed), makeInsn(OP_EXIT)]);
        const mode = trusted ? "trusted" : "checked";
        expect(maskNumbers(jitSource(prog, { mode }))).toBe(maskNumbers(jitSource(zero, { mode })));
      }),
      { numRuns: runs(300), seed: 11 },
    );
  });

  it("extreme values appear only as integer literals", () => {
    const extremes = [-2147483648, 2147483647, -1, 0x7fffffff, -32768, 32767];
    const list: Insn[] = [];
    for (const v of extremes) {
      list.push(makeInsn(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, v));
      list.push(makeInsn(BPF_ST | BPF_MEM | BPF_DW, 10, 0, v & 0xffff, v));
      list.push(makeInsn(OP_LDDW, 2, 0, 0, v, ~v));
    }
    const src = jitSource(toSlots([...list, makeInsn(OP_EXIT)]), {});
    expect(disallowedTokens(src)).toEqual([]);
    for (const v of extremes) expect(src).toContain(v < 0 ? `(${String(v)})` : String(v));
  });

  it("an access through r10 takes one of two JIT-written shapes, chosen by the offset", () => {
    const shapeOf = (off: number): string =>
      maskNumbers(jitSource(toSlots([makeInsn(BPF_LDX | BPF_MEM | BPF_DW, 0, 10, off), makeInsn(OP_EXIT)]), {}));
    const inRange = shapeOf(-8);
    const outOfRange = shapeOf(8);
    for (const off of [-512, -4096, -100, -8]) expect(shapeOf(off)).toBe(inRange);
    for (const off of [-4097, -32768, 0, 1, 32767]) expect(shapeOf(off)).toBe(outOfRange);
    expect(inRange).toContain("SV.getInt32");
    expect(inRange).not.toContain("addr(");
    expect(outOfRange).toContain("addr(");
  });
});
