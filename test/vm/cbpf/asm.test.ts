import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BytecodeError, ParseError } from "../../../src/errors.js";
import { assembleClassic } from "../../../src/vm/cbpf/assembler.js";
import { disassembleClassic } from "../../../src/vm/cbpf/disassembler.js";
import {
  decodeFilter,
  detectTextForm,
  encodeFilter,
  formatCArray,
  formatDecimal,
  insn,
  parseCArray,
  parseDecimal,
  type SockFilter,
} from "../../../src/vm/cbpf/filter.js";
import { loadClassic } from "../../../src/vm/cbpf/load.js";
import * as O from "../../../src/vm/cbpf/opcodes.js";
import { validProgram } from "./arbitrary.js";
import { runs } from "../../support/runs.js";

const rec = (prog: SockFilter[]): number[][] => prog.map((f) => [f.code, f.jt, f.jf, f.k]);

const err = (f: () => unknown): ParseError => {
  try {
    f();
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error("no error");
};

describe("bpf_asm assembler", () => {
  it("assembles the kernel documentation's ARP example to its C array", () => {
    // Documentation/networking/filter.rst, "bpf_asm": ldh [12]; jne #0x806, drop; ret #-1; drop: ret #0
    const prog = assembleClassic("ldh [12]\njne #0x806, drop\nret #-1\ndrop: ret #0\n");
    expect(rec(prog)).toEqual([
      [0x28, 0, 0, 0x0c],
      [0x15, 0, 1, 0x806],
      [0x06, 0, 0, 0xffffffff],
      [0x06, 0, 0, 0],
    ]);
    expect(formatCArray(prog)).toBe(
      "{ 0x28,  0,  0, 0x0000000c },\n{ 0x15,  0,  1, 0x00000806 },\n{ 0x06,  0,  0, 0xffffffff },\n{ 0x06,  0,  0, 0x00000000 },",
    );
    expect(formatDecimal(prog)).toBe("4,40 0 0 12,21 0 1 2054,6 0 0 4294967295,6 0 0 0,");
  });

  it("reads comments, every operand form and the ancillary names", () => {
    const prog = assembleClassic(`
# a line comment
/* block
   comment */ ld #cpu ; trailing
  LDH #rxhash
  ldb queue
  ld rand
  ld #len
  ldx len
  ld M[3]
  ldx m[15]
  ldi 7
  ldxi #8
  ld [x + 4]
  ldh [%x + 0x10]
  ldb [x+2]
  ldxb 4*([14]&0xf)
  ldx 4 * ( [ 0b110 ] & 0xf )
  st M[0]
  stx M[1]
  add #1
  sub %x
  neg
  tax
  txa
  ret %a
  ret x
  ret #010
`);
    expect(rec(prog)).toEqual([
      [0x20, 0, 0, O.ancK(O.SKF_AD_CPU)],
      [0x28, 0, 0, O.ancK(O.SKF_AD_RXHASH)],
      [0x30, 0, 0, O.ancK(O.SKF_AD_QUEUE)],
      [0x20, 0, 0, O.ancK(O.SKF_AD_RANDOM)],
      [0x80, 0, 0, 0],
      [0x81, 0, 0, 0],
      [0x60, 0, 0, 3],
      [0x61, 0, 0, 15],
      [0x00, 0, 0, 7],
      [0x01, 0, 0, 8],
      [0x40, 0, 0, 4],
      [0x48, 0, 0, 16],
      [0x50, 0, 0, 2],
      [0xb1, 0, 0, 14],
      [0xb1, 0, 0, 6],
      [0x02, 0, 0, 0],
      [0x03, 0, 0, 1],
      [0x04, 0, 0, 1],
      [0x1c, 0, 0, 0],
      [0x84, 0, 0, 0],
      [0x07, 0, 0, 0],
      [0x87, 0, 0, 0],
      [0x16, 0, 0, 0],
      [0x0e, 0, 0, 0],
      [0x06, 0, 0, 8],
    ]);
  });

  it("encodes jneq/jlt/jle as the opposite test with the label on the false branch", () => {
    const prog = assembleClassic("jneq #1, l1\njlt x, l1\njle #3, l1\njgt #2, l1\nl1: ret #0");
    expect(rec(prog)).toEqual([
      [0x15, 0, 3, 1],
      [0x3d, 0, 2, 0],
      [0x25, 0, 1, 3],
      [0x25, 0, 0, 2],
      [0x06, 0, 0, 0],
    ]);
  });

  it("matches tcpdump -ddd's decimal program for 'ip' when written in bpf_asm", () => {
    const dump = "4\n40 0 0 12\n21 0 1 2048\n6 0 0 262144\n6 0 0 0\n";
    const asm = assembleClassic("ldh [12]\njeq #0x800, ok, no\nok: ret #262144\nno: ret #0");
    expect(parseDecimal(dump, "ip.ddd")).toEqual(asm);
    expect(loadClassic(new TextEncoder().encode(dump), "ip.txt")).toEqual(asm);
  });

  it("locates errors at line:col", () => {
    const cases: [string, string, number, number][] = [
      ["ld [0]\njeq #1, nowhere\nret #0", "cbpf.asm.unknown-label", 2, 9],
      ["ld [0]\n  bogus #1\nret a", "cbpf.asm.unknown-mnemonic", 2, 3],
      ["ret #0x100000000", "cbpf.asm.number", 1, 6],
      ["ab: ret #0\nab: ret #1", "cbpf.asm.duplicate-label", 2, 1],
      ["ldxb 2*([14]&0xf)\nret a", "cbpf.asm.msh", 1, 6],
      ["ld [0]\nld @", "cbpf.asm.char", 2, 4],
      ["ld [0]\nadd", "cbpf.asm.eof", 2, 4],
      ["lab: ja lab\nret #0", "cbpf.asm.backward-jump", 1, 9],
      ["ld [x - 1]\nret a", "cbpf.asm.char", 1, 7],
      ["ld [x 1]\nret a", "cbpf.asm.syntax", 1, 7],
    ];
    for (const [src, code, line, col] of cases) {
      const e = err(() => assembleClassic(src, "f.s"));
      expect([e.code, e.location]).toEqual([code, expect.objectContaining({ file: "f.s", line, col })]);
    }
  });

  it("refuses a conditional jump further than 255 instructions", () => {
    const far = `jeq #1, far\n${"ld #0\n".repeat(256)}far: ret #0`;
    expect(err(() => assembleClassic(far)).code).toBe("cbpf.asm.jump-range");
    const near = `jeq #1, far\n${"ld #0\n".repeat(255)}far: ret #0`;
    expect(assembleClassic(near)[0]!.jt).toBe(255);
  });
});

describe("disassembler and record formats", () => {
  it("round-trips random programs through text, C array, decimal and raw records", () => {
    fc.assert(
      fc.property(validProgram, (prog) => {
        expect(assembleClassic(disassembleClassic(prog))).toEqual(prog);
        expect(parseCArray(formatCArray(prog), "x.c")).toEqual(prog);
        expect(parseDecimal(formatDecimal(prog), "x.txt")).toEqual(prog);
        expect(parseDecimal(formatDecimal(prog, false), "x.txt")).toEqual(prog);
        expect(decodeFilter(encodeFilter(prog))).toEqual(prog);
        expect(detectTextForm(disassembleClassic(prog))).toBe("asm");
      }),
      { numRuns: runs(300) },
    );
  });

  it("keeps ignored fields visible in a comment and rejects codes bpf_asm cannot write", () => {
    expect(disassembleClassic([insn(O.RET_A, 1, 2, 5)])).toMatch(/ret a\t; ignored: jt=1 jf=2 k=5/);
    expect(() => disassembleClassic([insn(0x0a, 0, 0, 0)], "p.bin")).toThrow(BytecodeError);
    expect(() => disassembleClassic([insn(0x120, 0, 0, 0)])).toThrow(/code 0x120/);
  });

  it("parses a C declaration with comments and locates a bad record", () => {
    const c =
      "struct sock_filter code[] = {\n  /* ld */ { 0x20, 0, 0, 0xfffff024 }, // cpu\n  { 0x16, 0, 0, 0 },\n};\n";
    expect(rec(parseCArray(c, "c.c"))).toEqual([
      [0x20, 0, 0, 0xfffff024],
      [0x16, 0, 0, 0],
    ]);
    const bad = "{ 0x20, 0, 0, 0 },\n{ 0x16, 0, 300, 0 },";
    const e = err(() => parseCArray(bad, "c.c"));
    expect([e.code, e.location]).toEqual(["cbpf.bad-field", expect.objectContaining({ line: 2, col: 12 })]);
    expect(err(() => parseCArray("{ 1, 2, 3 }", "c.c")).code).toBe("cbpf.bad-record");
    expect(err(() => parseDecimal("3,6 0 0 0,", "d.txt")).code).toBe("cbpf.bad-count");
  });

  it("locates a truncated raw program at its cut record", () => {
    try {
      decodeFilter(new Uint8Array(19), "p.bin");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BytecodeError);
      expect((e as BytecodeError).location).toEqual({ file: "p.bin", insn: 2 });
    }
  });
});
