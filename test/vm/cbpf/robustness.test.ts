/** Bad input of every kind ends in a located Baton error, never in a crash. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BatonError, BytecodeError, ParseError } from "../../../src/errors.js";
import { assembleClassic } from "../../../src/vm/cbpf/assembler.js";
import { checkClassic } from "../../../src/vm/cbpf/check.js";
import { disassembleClassic } from "../../../src/vm/cbpf/disassembler.js";
import { decodeFilter, insn } from "../../../src/vm/cbpf/filter.js";
import { loadClassic } from "../../../src/vm/cbpf/load.js";
import * as O from "../../../src/vm/cbpf/opcodes.js";
import { runs } from "../../support/runs.js";

/** Text made of bpf_asm's own pieces, so that the parser gets past the lexer often. */
const asmish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "ld",
        "ldh",
        "ldb",
        "ldx",
        "ldxb",
        "st",
        "stx",
        "jeq",
        "jneq",
        "jlt",
        "ja",
        "add",
        "div",
        "ret",
        "tax",
      ),
      fc.constantFrom(
        "#",
        "[",
        "]",
        "x",
        "a",
        "M",
        "+",
        ",",
        ":",
        "(",
        ")",
        "*",
        "&",
        "%",
        "#len",
        "#cpu",
        "\n",
        " ",
        ";c\n",
      ),
      fc.constantFrom("lab", "l1", "0x10", "4", "0xf", "-1", "99999999999", "0b1", "07", "@", "/*", "*/"),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(" "));

function locatedOrOk(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BatonError);
    expect((e as BatonError).location).toBeDefined();
  }
}

describe("robustness", () => {
  it("assembler: any text assembles or fails with a line:col error", () => {
    fc.assert(
      fc.property(fc.oneof(asmish, fc.string({ maxLength: 60 })), (text) => {
        try {
          const prog = assembleClassic(text, "t.s");
          expect(prog.length).toBeGreaterThan(0);
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
          const loc = (e as ParseError).location as { line: number; col: number };
          expect(loc.line).toBeGreaterThanOrEqual(1);
          expect(loc.col).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: runs(2000) },
    );
  });

  it("loaders: any bytes load or fail with a located error", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom("p.bin", "p.txt"), (bytes, name) => {
        locatedOrOk(() => loadClassic(bytes, name));
      }),
      { numRuns: runs(1000) },
    );
    const texts = fc.oneof(
      fc
        .array(
          fc.oneof(
            fc.constantFrom("{", "}", ",", "0x20", "1", "-5", "70000", "0x1ffffffff", "/*", "*/", "\n", "3,", " "),
          ),
          { maxLength: 30 },
        )
        .map((a) => a.join("")),
      fc
        .array(fc.oneof(fc.constantFrom("2", ",", " ", "6 0 0 0", "\n", "256", "x")), { maxLength: 20 })
        .map((a) => a.join("")),
    );
    fc.assert(
      fc.property(texts, (t) => locatedOrOk(() => loadClassic(new TextEncoder().encode(t), "p.txt"))),
      { numRuns: runs(1000) },
    );
  });

  it("disassembler: any records disassemble to text that reassembles (ignored fields aside) or fail at a record", () => {
    const rec = fc.record({
      code: fc.integer({ min: 0, max: 0x1ff }),
      jt: fc.integer({ min: 0, max: 255 }),
      jf: fc.integer({ min: 0, max: 255 }),
      k: fc.integer({ min: 0, max: 0xffffffff }),
    });
    fc.assert(
      fc.property(fc.array(rec, { minLength: 1, maxLength: 12 }), (prog) => {
        let text: string;
        try {
          text = disassembleClassic(prog, "p.bin");
        } catch (e) {
          expect(e).toBeInstanceOf(BytecodeError);
          return;
        }
        // a jump past the end names a label that does not exist: that is the only failure
        try {
          const back = assembleClassic(text);
          expect(back.map((f) => f.code)).toEqual(prog.map((f) => f.code));
        } catch (e) {
          expect((e as ParseError).code).toBe("cbpf.asm.unknown-label");
        }
      }),
      { numRuns: runs(1000) },
    );
  });

  it("checker: any records get a verdict, rejections located at an instruction inside the program", () => {
    const rec = fc.record({
      code: fc.integer({ min: 0, max: 0xff }),
      jt: fc.integer({ min: 0, max: 8 }),
      jf: fc.integer({ min: 0, max: 8 }),
      k: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 0xffffffff })),
    });
    fc.assert(
      fc.property(fc.array(rec, { maxLength: 12 }), (prog) => {
        const e = checkClassic(prog);
        if (e !== undefined) expect(e.insn).toBeLessThan(Math.max(prog.length, 1));
      }),
      { numRuns: runs(3000) },
    );
    expect(decodeFilter(new Uint8Array(0))).toEqual([]);
    expect(checkClassic([insn(O.RET_A, 0, 0, 0)])).toBeUndefined();
  });
});
