// Structural check: every rejection with its exact message and instruction index.
import { describe, expect, it } from "vitest";
import { BytecodeError } from "../../src/errors.js";
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_ABS,
  BPF_ATOMIC,
  BPF_DIV,
  BPF_DW,
  BPF_END,
  BPF_JEQ,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_MEM,
  BPF_MOV,
  BPF_NEG,
  BPF_ST,
  BPF_STX,
  BPF_TO_BE,
  BPF_W,
  BPF_X,
  BPF_ADD,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_CMPXCHG,
  BPF_FETCH,
  OP_CALL,
  OP_CALLX,
  OP_EXIT,
  OP_JA,
  OP_JA32,
  OP_LDDW,
  encode,
  makeInsn,
  type Insn,
} from "../../src/vm/isa.js";
import { checkStructure } from "../../src/vm/validate.js";

const EXIT = makeInsn(OP_EXIT);
const MOV64K = BPF_ALU64 | BPF_MOV | BPF_K;
const bytes = (...insns: Insn[]): Uint8Array => encode(insns);

function failure(b: Uint8Array): { insn: number | undefined; message: string } {
  try {
    checkStructure(b);
  } catch (e) {
    expect(e).toBeInstanceOf(BytecodeError);
    const err = e as BytecodeError;
    return {
      insn: err.location !== undefined && "insn" in err.location ? err.location.insn : undefined,
      message: err.message,
    };
  }
  throw new Error("expected a BytecodeError");
}

const cases: ReadonlyArray<readonly [string, Uint8Array, number, string]> = [
  ["empty program", new Uint8Array(0), 0, "program is empty (expected at least one 8-byte instruction)"],
  [
    "length not a multiple of 8",
    new Uint8Array(12),
    1,
    "program length 12 bytes is not a multiple of 8 (4 trailing bytes)",
  ],
  [
    "lddw without second slot",
    bytes(makeInsn(OP_LDDW, 1, 0, 0, 5)),
    0,
    "lddw is missing its second slot (it is the last slot of the program)",
  ],
  [
    "lddw second slot with opcode",
    bytes(makeInsn(OP_LDDW, 1, 0, 0, 5), EXIT, EXIT),
    1,
    "second slot of lddw must have opcode 0, registers 0 and offset 0; got opcode 0x95, dst r0, src r0, offset 0",
  ],
  [
    "lddw second slot with regs/off",
    bytes(makeInsn(OP_LDDW, 1), makeInsn(0, 2, 3, 4), EXIT),
    1,
    "second slot of lddw must have opcode 0, registers 0 and offset 0; got opcode 0x00, dst r2, src r3, offset 4",
  ],
  ["unknown opcode", bytes(makeInsn(BPF_ALU64 | BPF_END | BPF_X), EXIT), 0, "unknown opcode 0xdf"],
  ["neg with X bit", bytes(makeInsn(BPF_ALU64 | BPF_NEG | BPF_X, 1), EXIT), 0, "unknown opcode 0x8f"],
  ["bad dst register", bytes(makeInsn(MOV64K, 11), EXIT), 0, "mov: dst register r11 does not exist (expected r0-r10)"],
  [
    "bad src register",
    bytes(makeInsn(BPF_ALU64 | BPF_MOV | BPF_X, 1, 12), EXIT),
    0,
    "mov: src register r12 does not exist (expected r0-r10)",
  ],
  [
    "write to r10",
    bytes(makeInsn(MOV64K, 10, 0, 0, 1), EXIT),
    0,
    "mov: r10 is the read-only frame pointer and cannot be a destination",
  ],
  [
    "load into r10",
    bytes(makeInsn(BPF_LDX | BPF_MEM | BPF_W, 10, 1), EXIT),
    0,
    "ldxw: r10 is the read-only frame pointer and cannot be a destination",
  ],
  ["K form with src", bytes(makeInsn(MOV64K, 1, 2, 0, 1), EXIT), 0, "mov: src field must be 0, got r2"],
  [
    "X form with imm",
    bytes(makeInsn(BPF_ALU | BPF_ADD | BPF_X, 1, 2, 0, 7), EXIT),
    0,
    "add32: imm field must be 0, got 7",
  ],
  [
    "add with offset",
    bytes(makeInsn(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 3, 1), EXIT),
    0,
    "add: offset field must be 0, got 3",
  ],
  [
    "div with offset 2",
    bytes(makeInsn(BPF_ALU64 | BPF_DIV | BPF_K, 1, 0, 2, 1), EXIT),
    0,
    "div: offset must be 0 (unsigned) or 1 (signed), got 2",
  ],
  [
    "movsx32 on ALU",
    bytes(makeInsn(BPF_ALU | BPF_MOV | BPF_X, 1, 2, 32), EXIT),
    0,
    "mov32: offset must be one of 0, 8, 16 (movsx width), got 32",
  ],
  [
    "movsx64 width 24",
    bytes(makeInsn(BPF_ALU64 | BPF_MOV | BPF_X, 1, 2, 24), EXIT),
    0,
    "mov: offset must be one of 0, 8, 16, 32 (movsx width), got 24",
  ],
  [
    "neg with imm",
    bytes(makeInsn(BPF_ALU64 | BPF_NEG | BPF_K, 1, 0, 0, 5), EXIT),
    0,
    "neg: imm field must be 0, got 5",
  ],
  [
    "end width 8",
    bytes(makeInsn(BPF_ALU | BPF_END | BPF_TO_BE, 1, 0, 0, 8), EXIT),
    0,
    "be: width (imm) must be 16, 32 or 64, got 8",
  ],
  [
    "jump out of range",
    bytes(makeInsn(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 10), EXIT),
    0,
    "jump target 11 is out of range (program has 2 instructions)",
  ],
  [
    "jump backwards out of range",
    bytes(EXIT, makeInsn(OP_JA, 0, 0, -3)),
    1,
    "jump target -1 is out of range (program has 2 instructions)",
  ],
  [
    "jump into lddw",
    bytes(makeInsn(OP_JA, 0, 0, 1), makeInsn(OP_LDDW, 1), makeInsn(0), EXIT),
    0,
    "jump target 2 is the second slot of the lddw at 1",
  ],
  [
    "ja32 out of range",
    bytes(makeInsn(OP_JA32, 0, 0, 0, 5), EXIT),
    0,
    "jump target 6 is out of range (program has 2 instructions)",
  ],
  ["ja32 with offset", bytes(makeInsn(OP_JA32, 0, 0, 1, 0), EXIT), 0, "ja32: offset field must be 0, got 1"],
  ["ja with imm", bytes(makeInsn(OP_JA, 0, 0, 0, 1), EXIT), 0, "ja: imm field must be 0, got 1"],
  [
    "jeq X with imm",
    bytes(makeInsn(BPF_JMP | BPF_JEQ | BPF_X, 1, 2, 0, 1), EXIT),
    0,
    "jeq: imm field must be 0, got 1",
  ],
  [
    "local call out of range",
    bytes(makeInsn(OP_CALL, 0, BPF_PSEUDO_CALL, 0, 7), EXIT),
    0,
    "call target 8 is out of range (program has 2 instructions)",
  ],
  [
    "kfunc call",
    bytes(makeInsn(OP_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, 7), EXIT),
    0,
    "kfunc calls (call with src=2) are not supported",
  ],
  [
    "call src 3",
    bytes(makeInsn(OP_CALL, 0, 3, 0, 7), EXIT),
    0,
    "call: src must be 0 (helper) or 1 (local function), got 3",
  ],
  ["call with dst", bytes(makeInsn(OP_CALL, 1, 0, 0, 7), EXIT), 0, "call: dst field must be 0, got r1"],
  ["callx with imm", bytes(makeInsn(OP_CALLX, 2, 0, 0, 1), EXIT), 0, "call: imm field must be 0, got 1"],
  ["exit with imm", bytes(makeInsn(OP_EXIT, 0, 0, 0, 1)), 0, "exit: imm field must be 0, got 1"],
  ["lddw with offset", bytes(makeInsn(OP_LDDW, 1, 0, 2), makeInsn(0), EXIT), 0, "lddw: offset field must be 0, got 2"],
  [
    "lddw src 7",
    bytes(makeInsn(OP_LDDW, 1, 7), makeInsn(0), EXIT),
    0,
    "lddw: src must be 0 (constant) or a pseudo source 1-6, got 7",
  ],
  [
    "ldx with imm",
    bytes(makeInsn(BPF_LDX | BPF_MEM | BPF_DW, 1, 2, 0, 1), EXIT),
    0,
    "ldxdw: imm field must be 0, got 1",
  ],
  ["st with src", bytes(makeInsn(BPF_ST | BPF_MEM | BPF_W, 10, 1, -4, 1), EXIT), 0, "stw: src field must be 0, got r1"],
  [
    "stx with imm",
    bytes(makeInsn(BPF_STX | BPF_MEM | BPF_W, 10, 1, -4, 1), EXIT),
    0,
    "stxw: imm field must be 0, got 1",
  ],
  [
    "bad atomic op",
    bytes(makeInsn(BPF_STX | BPF_ATOMIC | BPF_DW, 10, 1, -8, 0x10), EXIT),
    0,
    "lock: atomic operation 0x10 is not valid (expected one of 0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1)",
  ],
  [
    "fetching atomic into r10",
    bytes(makeInsn(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 10, 0, BPF_ADD | BPF_FETCH), EXIT),
    0,
    "lock: a fetching atomic writes its src register, which cannot be r10",
  ],
  [
    "legacy ldabs",
    bytes(makeInsn(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 4), EXIT),
    0,
    "ldabsw: legacy packet loads (LD|ABS, LD|IND) are not supported",
  ],
];

describe("checkStructure rejections", () => {
  it.each(cases)("%s", (_name, b, insn, message) => {
    expect(failure(b)).toEqual({ insn, message });
  });
});

describe("checkStructure acceptance", () => {
  it("returns one Insn per slot, lddw included", () => {
    const insns = checkStructure(bytes(makeInsn(OP_LDDW, 0, 0, 0, 1, 2), makeInsn(0, 0, 0, 0, 2), EXIT));
    expect(insns.length).toBe(3);
    expect(insns[0]).toMatchObject({ opcode: OP_LDDW, imm: 1, imm2: 2 });
  });
  it("accepts sdiv, movsx, bswap, ja32, atomics, local calls and callx", () => {
    const ok = bytes(
      makeInsn(BPF_ALU64 | BPF_DIV | BPF_K, 1, 0, 1, 3),
      makeInsn(BPF_ALU64 | BPF_MOV | BPF_X, 1, 2, 32),
      makeInsn(BPF_ALU64 | BPF_END, 1, 0, 0, 64),
      makeInsn(OP_JA32, 0, 0, 0, 0),
      makeInsn(BPF_STX | BPF_ATOMIC | BPF_W, 10, 1, -4, BPF_CMPXCHG),
      makeInsn(OP_CALL, 0, BPF_PSEUDO_CALL, 0, 1),
      makeInsn(OP_CALLX, 2),
      EXIT,
    );
    expect(checkStructure(ok).length).toBe(8);
  });
});
