/** Every assembler error: exact message, line:col and caret length (table-driven). */
import { describe, expect, it } from "vitest";
import { BytecodeError, formatError, ParseError, type SourceSpan } from "../../../src/errors.js";
import { assemble } from "../../../src/vm/asm/assembler.js";
import { disassemble } from "../../../src/vm/asm/disassembler.js";
import {
  encode,
  makeInsn,
  OP_EXIT,
  OP_LDDW,
  BPF_ALU64,
  BPF_ADD,
  BPF_K,
  BPF_STX,
  BPF_ATOMIC,
  BPF_DW,
  BPF_END,
  BPF_TO_BE,
  BPF_ALU,
  BPF_MOV,
  BPF_X,
  OP_CALL,
  Op,
  opOf,
} from "../../../src/vm/isa.js";

function parseError(src: string, firstLine = 1): ParseError {
  try {
    assemble(src, "t.s", firstLine);
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return e as ParseError;
  }
  throw new Error(`expected ${JSON.stringify(src)} to fail`);
}

// [source, "line:col:length", message, hint?]
const CASES: ReadonlyArray<readonly [string, string, string, string?]> = [
  ["ad %r1, 2", "1:1:2", "unknown mnemonic 'ad'; did you mean 'add'?"],
  ["Mov %r0, 1", "1:1:3", "unknown mnemonic 'Mov'; did you mean 'mov'?"],
  ["frobnicate %r0", "1:1:10", "unknown mnemonic 'frobnicate'"],
  ["5", "1:1:1", "expected a mnemonic or a label, got '5'"],
  [", mov", "1:1:1", "expected a mnemonic or a label, got ','"],
  ["mov %r11, 1", "1:5:4", "expected a register %r0..%r10, got '%r11'"],
  ["mov r1, 1", "1:5:2", "expected a register %r0..%r10, got 'r1'"],
  ["mov %r0, $1", "1:10:1", "unexpected character '$'"],
  ["mov %r0, 0xzz", "1:10:4", "malformed number '0xzz'; expected decimal digits or 0x followed by hex digits"],
  ["mov %r0, -", "1:11:1", "expected a number after '-', got end of line"],
  ["mov32 %r0, 0x100000000", "1:12:11", "immediate 0x100000000 does not fit in 32 bits"],
  [
    "mov %r0, 2147483648",
    "1:10:10",
    "immediate 2147483648 does not fit in 32 bits",
    "decimal immediates are signed 32-bit; write 0x80000000 for the bit pattern",
  ],
  ["mov %r0, -2147483649", "1:10:11", "immediate -2147483649 does not fit in 32 bits"],
  ["add %r1, 2, 3", "1:13:1", "'add' expects 2 operands (%rD, %rS|imm), got 3"],
  ["mov %r0,", "1:1:3", "'mov' expects 2 operands (%rD, %rS|imm), got 1"],
  ["exit %r0", "1:6:3", "'exit' expects no operands, got 1"],
  ["neg", "1:1:3", "'neg' expects 1 operand (%rD), got 0"],
  ["be16 %r1, 16", "1:11:2", "'be16' expects 1 operand (%rD), got 2"],
  ["add %r1, [%r2]", "1:10:5", "expected a register %r0..%r10 or an immediate, got '[%r2]'"],
  ["movsx832 %r1, 5", "1:15:1", "expected a register %r0..%r10, got '5'"],
  ["ldxw %r0, [%r1+40000]", "1:15:6", "offset 40000 does not fit in 16 bits"],
  ["ldxw %r0, [%r1+2", "1:17:1", "expected ']' to close the memory operand, got end of line"],
  ["ldxw %r0, %r1", "1:11:3", "expected a memory operand [%rN+off], got '%r1'"],
  ["ldxw %r0, [5]", "1:12:1", "expected a base register %r0..%r10 after '[', got '5'"],
  ["stxw [%r1], 5", "1:13:1", "expected a register %r0..%r10, got '5'"],
  ["stw [%r1+2], %r3", "1:14:3", "expected an immediate, got '%r3'"],
  ["lddw %r0, 0x10000000000000000", "1:11:19", "immediate 0x10000000000000000 does not fit in 64 bits"],
  ["lddw %r0, -9223372036854775809", "1:11:20", "immediate -9223372036854775809 does not fit in 64 bits"],
  ["lddw %r0, map_fd(1, 2)", "1:11:12", "'map_fd' expects 1 argument, got 2"],
  [
    "lddw %r0, mapfd(1)",
    "1:11:8",
    "unknown pseudo operand 'mapfd(…)'; expected map_fd(fd), map_value(fd, off) or pseudo(src, imm, imm2)",
  ],
  ["lddw %r0, pseudo(16, 0, 0)", "1:18:2", "pseudo src 16 does not fit in 4 bits"],
  ["ja +40000", "1:4:6", "jump offset 40000 does not fit in 16 bits"],
  ["ja32 +0x80000000", "1:6:11", "jump offset 2147483648 does not fit in 32 bits"],
  ["jeq %r1, 1", "1:1:3", "'jeq' expects 3 operands (%rD, %rS|imm, target), got 2"],
  ["jeq %r1, 1, %r2", "1:13:3", "expected a jump target (+N, -N or a label), got '%r2'"],
  ["ja foo\nexit", "1:4:3", "undefined label 'foo'"],
  ["ja fial\nfail:\nexit", "1:4:4", "undefined label 'fial'", "did you mean 'fail'?"],
  [
    "jne %r0, %r1 exit",
    "1:14:4",
    "undefined label 'exit'",
    "the implicit label 'exit' names the first exit instruction, and there is none",
  ],
  ["x:\nexit\nx:\nexit", "3:1:1", "duplicate label 'x' (first defined at line 1)"],
  [
    "lock inc [%r10-8], %r1",
    "1:6:3",
    "expected an atomic operation (add, and, or, xor, xchg, cmpxchg, optionally with a 32 suffix) after 'lock', got 'inc'",
  ],
  [
    "lock fetch",
    "1:1:4",
    "expected an atomic operation (add, and, or, xor, xchg, cmpxchg, optionally with a 32 suffix) after 'lock fetch', got end of line",
  ],
  ["lock add [%r10-8]", "1:1:4", "'lock add' expects 2 operands ([%rD+off], %rS), got 1"],
  ["call foo 1", "1:6:3", "expected a helper id, %rN, 'local', 'helper' or 'runtime' after 'call', got 'foo'"],
  ["call local", "1:1:4", "'call local' expects a target (+N, -N or a label), got 0 operands"],
  ["call local nowhere\nexit", "1:12:7", "undefined label 'nowhere'"],
  ["call [%r1]", "1:6:5", "expected a helper id, %rN or 'local target', got '[%r1]'"],
];

describe("assembler errors", () => {
  for (const [src, where, message, hint] of CASES) {
    it(`${JSON.stringify(src)} → ${message}`, () => {
      const e = parseError(src);
      const loc = e.location as SourceSpan;
      expect(`${loc.line}:${loc.col}:${loc.length}`).toBe(where);
      expect(loc.file).toBe("t.s");
      expect(e.message).toBe(message);
      expect(e.hint).toBe(hint);
    });
  }

  it("a label target beyond 16 bits is reported at the label use", () => {
    const src = ["ja far", ...Array<string>(32768).fill("mov %r0, 0"), "far:", "exit"].join("\n");
    const e = parseError(src);
    expect(e.message).toBe("jump offset 32768 does not fit in 16 bits");
    expect((e.location as SourceSpan).line).toBe(1);
  });

  it("firstLine shifts reported lines (sections of a bigger file)", () => {
    const e = parseError("exit\n  ad %r1, 2", 10);
    expect(formatError(e, "\n".repeat(10) + "  ad %r1, 2")).toBe(
      "t.s:11:3: error: unknown mnemonic 'ad'; did you mean 'add'?\n  ad %r1, 2\n  ^^",
    );
  });

  it("empty and comment-only sources assemble to nothing", () => {
    expect(assemble("")).toEqual(new Uint8Array(0));
    expect(assemble("# nothing\n\n   # here\n")).toEqual(new Uint8Array(0));
  });
});

function bytecodeError(bytes: Uint8Array, style: "conformance" | "kernel" = "conformance"): BytecodeError {
  try {
    disassemble(bytes, { style });
  } catch (e) {
    expect(e).toBeInstanceOf(BytecodeError);
    return e as BytecodeError;
  }
  throw new Error("expected disassembly to fail");
}

// The highest opcode byte the catalogue does not know (0xff): derived, not spelled.
const UNKNOWN = [...Array(256).keys()].reverse().find((op) => opOf(makeInsn(op)) === Op.INVALID)!;
const atomicDw = BPF_STX | BPF_ATOMIC | BPF_DW;
// [what, bytes, insn index, message, style]
const BYTECODE_CASES: ReadonlyArray<readonly [string, Uint8Array, number, string, ("conformance" | "kernel")?]> = [
  ["unknown opcode", encode([makeInsn(OP_EXIT), makeInsn(UNKNOWN)]), 1, `unknown opcode 0x${UNKNOWN.toString(16)}`],
  ["unknown opcode (kernel)", encode([makeInsn(UNKNOWN)]), 0, `unknown opcode 0x${UNKNOWN.toString(16)}`, "kernel"],
  ["length", new Uint8Array(12), 1, "bytecode length 12 is not a multiple of 8 (slot 1 has 4 bytes)"],
  [
    "truncated lddw",
    encode([makeInsn(OP_EXIT), makeInsn(OP_LDDW, 1)]),
    1,
    "truncated lddw: its second slot is missing at the end of the program",
  ],
  [
    "lddw second slot",
    encode([makeInsn(OP_LDDW, 1), makeInsn(OP_EXIT)]),
    1,
    "lddw second slot has opcode = 149, expected 0; the conformance dialect cannot express it (try --style kernel)",
  ],
  [
    "bad atomic",
    encode([makeInsn(atomicDw, 10, 1, -8, 0x02)]),
    0,
    "unknown atomic operation 0x02; expected one of 0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1",
  ],
  [
    "bad end width",
    encode([makeInsn(BPF_ALU | BPF_END | BPF_TO_BE, 1, 0, 0, 8)]),
    0,
    "invalid byte-swap width 8 for be; expected 16, 32 or 64",
  ],
  [
    "bad call kind",
    encode([makeInsn(OP_CALL, 0, 3, 0, 1)]),
    0,
    "unknown call kind src = 3; expected 0 (helper), 1 (local) or 2 (kfunc)",
  ],
  [
    "reserved off",
    encode([makeInsn(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 5, 1)]),
    0,
    "add (opcode 0x07) has off = 5, expected 0; the conformance dialect cannot express it (try --style kernel)",
  ],
  [
    "bad movsx width",
    encode([makeInsn(BPF_ALU | BPF_MOV | BPF_X, 1, 2, 32)]),
    0,
    "mov32 (opcode 0xbc) has off = 32, expected 0; the conformance dialect cannot express it (try --style kernel)",
  ],
];

describe("disassembler errors", () => {
  for (const [what, bytes, insn, message, style] of BYTECODE_CASES) {
    it(what, () => {
      const e = bytecodeError(bytes, style);
      expect(e.location).toEqual({ insn });
      expect(e.message).toBe(message);
    });
  }

  it("kernel style prints reserved fields leniently", () => {
    expect(disassemble(encode([makeInsn(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 5, 1)]), { style: "kernel" })).toBe(
      "0: (07) r1 += 1\n",
    );
  });
});
