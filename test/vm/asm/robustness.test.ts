/** Never crash: arbitrary text either assembles or throws a located ParseError; arbitrary bytes either disassemble or
 * throw a located BytecodeError. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BytecodeError, ParseError, type SourceSpan } from "../../../src/errors.js";
import { assemble, assembleProgram } from "../../../src/vm/asm/assembler.js";
import { disassemble } from "../../../src/vm/asm/disassembler.js";
import { runs } from "../../support/runs.js";

const TOKENS = [
  "mov",
  "add32",
  "lddw",
  "ja",
  "jeq",
  "lock",
  "fetch",
  "xchg",
  "call",
  "local",
  "exit",
  "ldxw",
  "stw",
  "neg",
  "be16",
  "map_fd",
  "%r1",
  "%r10",
  "%r11",
  "[",
  "]",
  "+",
  "-",
  ",",
  ":",
  "(",
  ")",
  "0x10",
  "7",
  "-3",
  "lbl",
  "lbl:",
  "#c",
  "\n",
  " ",
  "$",
  "0xffffffffffffffffff",
];
const arbSource = fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }).map((t) => t.join(" "));

describe("robustness", () => {
  it("property: assemble returns bytes or throws a ParseError with a span", () => {
    fc.assert(
      fc.property(fc.oneof(arbSource, fc.string({ maxLength: 60 })), (src) => {
        try {
          const b = assemble(src, "f.s");
          expect(b.length % 8).toBe(0);
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
          const loc = (e as ParseError).location as SourceSpan;
          expect(loc.file).toBe("f.s");
          expect(loc.line).toBeGreaterThanOrEqual(1);
          expect(loc.col).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: runs(2000) },
    );
  });

  it("property: disassemble returns text or throws a BytecodeError with an index", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.constantFrom("conformance", "kernel" as const),
        (bytes, style) => {
          try {
            disassemble(bytes, { style });
          } catch (e) {
            expect(e).toBeInstanceOf(BytecodeError);
            const insn = ((e as BytecodeError).location as { insn: number }).insn;
            expect(insn).toBeGreaterThanOrEqual(0);
            expect(insn).toBeLessThanOrEqual(bytes.length / 8);
          }
        },
      ),
      { numRuns: runs(3000) },
    );
  });

  it("accepts CRLF, labels sharing a line, 0X hex, an explicit 'exit' label and trailing comments", () => {
    expect(assemble("mov %r0, 0X1F\r\nl: ja exit # x\r\nexit\r\nexit:\r\nexit")).toEqual(
      assemble("mov %r0, 31\nja +1\nexit\nexit"),
    );
  });
});

describe("assembleProgram", () => {
  it("maps each slot to its source line and reports labels by slot", () => {
    const p = assembleProgram("# header\nlddw %r0, -1  # all ones\nloop:\n  ja loop\nexit", "p.s", 5);
    expect(p.slotSpans.map((s) => `${s.line}:${s.col}:${s.length}`)).toEqual(["6:1:12", "6:1:12", "8:3:7", "9:1:4"]);
    expect([...p.labels]).toEqual([["loop", 2]]);
    expect(p.insns.map((i) => [i.imm, i.imm2, i.off])).toEqual([
      [-1, -1, 0],
      [0, 0, -1],
      [0, 0, 0],
    ]);
    expect(assemble("lddw %r0, 18446744073709551615")).toEqual(assemble("lddw %r0, -1"));
  });
});

describe("spellings that mean the same bytes", () => {
  const SAME: ReadonlyArray<readonly [string, string]> = [
    ["call helper 5", "call 5"],
    ["call helper %r2", "call %r2"],
    ["swap16 %r1", "bswap16 %r1"],
    ["add %r1,2", "add %r1, 2"],
    ["add %r1 2", "add %r1, 2"],
    ["ldxw %r0, [ %r1 + 0x10 ]", "ldxw %r0, [%r1+16]"],
    ["ldxw %r0, [%r1+0]", "ldxw %r0, [%r1]"],
    ["mov32 %r0, 0xffffffff", "mov32 %r0, -1"],
    ["lddw %r0, 0xffffffffffffffff", "lddw %r0, -1"],
    ["lddw %r1, map_value(3, 0)", "lddw %r1, pseudo(2, 3, 0)"],
    ["lock fetch xchg [%r1], %r2", "lock xchg [%r1], %r2"],
    ["jeq %r1, 3, 1", "jeq %r1, 3, +1"],
  ];
  for (const [a, b] of SAME) it(`${a} ≡ ${b}`, () => expect(assemble(a)).toEqual(assemble(b)));
});
