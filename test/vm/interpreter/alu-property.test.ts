// Property: random straight-line ALU/ALU64 programs give the same r0-r9 in the interpreter and
// in the BigInt reference model (test/vm/reference-interpreter.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_DIV,
  BPF_END,
  BPF_K,
  BPF_LSH,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RSH,
  BPF_SUB,
  BPF_TO_BE,
  BPF_TO_LE,
  BPF_X,
  BPF_XOR,
  OP_EXIT,
  OP_LDDW,
  encode,
  makeInsn,
  type Insn,
} from "../../../src/vm/isa.js";
import { AddressSpace } from "../../../src/vm/memory.js";
import { Interpreter } from "../../../src/vm/interpreter.js";
import { checkStructure } from "../../../src/vm/validate.js";
import { referenceRun } from "../reference-interpreter.js";
import { runs } from "../../support/runs.js";

const INT_MIN = -0x80000000;
const INT_MAX = 0x7fffffff;
const imm = fc.oneof(
  fc.constantFrom(0, -1, INT_MIN, INT_MAX, 1, 2, 31, 32, 63, 64, 0x10000),
  fc.integer({ min: INT_MIN, max: INT_MAX }),
);
const u64 = fc.oneof(
  fc.constantFrom(
    0n,
    1n,
    (1n << 64n) - 1n,
    1n << 63n,
    (1n << 63n) - 1n,
    0x80000000n,
    0xffffffffn,
    0xffffffff80000000n,
    1n << 53n,
  ),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
);
const reg = fc.integer({ min: 0, max: 9 });
const BIN_OPS = [
  BPF_ADD,
  BPF_SUB,
  BPF_MUL,
  BPF_DIV,
  BPF_OR,
  BPF_AND,
  BPF_LSH,
  BPF_RSH,
  BPF_MOD,
  BPF_XOR,
  BPF_MOV,
  BPF_ARSH,
];

const lddw = (dst: number, v: bigint): Insn[] => {
  const lo = Number(v & 0xffffffffn) | 0;
  const hi = Number(v >> 32n) | 0;
  return [makeInsn(OP_LDDW, dst, 0, 0, lo, hi), makeInsn(0, 0, 0, 0, hi)];
};

/** One random ALU instruction (never neg-X, never an invalid width/offset). */
const aluInsn: fc.Arbitrary<Insn[]> = fc.oneof(
  fc
    .record({
      cls: fc.constantFrom(BPF_ALU, BPF_ALU64),
      op: fc.constantFrom(...BIN_OPS),
      x: fc.boolean(),
      dst: reg,
      src: reg,
      imm,
    })
    .map(({ cls, op, x, dst, src, imm }) => [
      x ? makeInsn(cls | op | BPF_X, dst, src) : makeInsn(cls | op | BPF_K, dst, 0, 0, imm),
    ]),
  // sdiv / smod: off = 1
  fc
    .record({
      cls: fc.constantFrom(BPF_ALU, BPF_ALU64),
      op: fc.constantFrom(BPF_DIV, BPF_MOD),
      x: fc.boolean(),
      dst: reg,
      src: reg,
      imm,
    })
    .map(({ cls, op, x, dst, src, imm }) => [
      x ? makeInsn(cls | op | BPF_X, dst, src, 1) : makeInsn(cls | op | BPF_K, dst, 0, 1, imm),
    ]),
  // movsx
  fc.oneof(
    fc
      .record({ dst: reg, src: reg, w: fc.constantFrom(8, 16, 32) })
      .map(({ dst, src, w }) => [makeInsn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, w)]),
    fc
      .record({ dst: reg, src: reg, w: fc.constantFrom(8, 16) })
      .map(({ dst, src, w }) => [makeInsn(BPF_ALU | BPF_MOV | BPF_X, dst, src, w)]),
  ),
  // neg
  fc
    .record({ cls: fc.constantFrom(BPF_ALU, BPF_ALU64), dst: reg })
    .map(({ cls, dst }) => [makeInsn(cls | BPF_NEG | BPF_K, dst)]),
  // le / be / bswap
  fc
    .record({
      op: fc.constantFrom(
        BPF_ALU | BPF_END | BPF_TO_LE,
        BPF_ALU | BPF_END | BPF_TO_BE,
        BPF_ALU64 | BPF_END | BPF_TO_LE,
      ),
      dst: reg,
      w: fc.constantFrom(16, 32, 64),
    })
    .map(({ op, dst, w }) => [makeInsn(op, dst, 0, 0, w)]),
  fc.record({ dst: reg, v: u64 }).map(({ dst, v }) => lddw(dst, v)),
);

const program = fc
  .record({
    init: fc.array(u64, { minLength: 10, maxLength: 10 }),
    body: fc.array(aluInsn, { minLength: 1, maxLength: 24 }),
  })
  .map(({ init, body }) => {
    const slots: Insn[] = [];
    init.forEach((v, i) => slots.push(...lddw(i, v)));
    for (const b of body) slots.push(...b);
    slots.push(makeInsn(OP_EXIT));
    return slots;
  });

function runInterp(slots: Insn[]): bigint[] {
  const insns = checkStructure(encode(slots));
  const vm = new Interpreter(insns, { mem: new AddressSpace(), helpers: new Map() });
  vm.run(0, 0, 0);
  return vm.registers();
}

describe("interpreter vs BigInt reference (straight-line ALU)", () => {
  it("agrees on r0-r9 for random programs", () => {
    fc.assert(
      fc.property(program, (slots) => {
        const got = runInterp(slots).slice(0, 10);
        const want = referenceRun(slots).slice(0, 10);
        expect(got).toEqual(want);
      }),
      { numRuns: runs(2000), seed: 0x5eed },
    );
  });
  // Edge-value table: each op against INT_MIN/-1/0 in both widths.
  const edges = [0, -1, INT_MIN, INT_MAX, 1];
  for (const cls of [BPF_ALU, BPF_ALU64]) {
    for (const op of BIN_OPS) {
      for (const off of op === BPF_DIV || op === BPF_MOD ? [0, 1] : [0]) {
        it(`${cls === BPF_ALU ? "alu32" : "alu64"} op 0x${op.toString(16)} off ${off} on edge values`, () => {
          for (const a of [0n, 1n << 63n, (1n << 64n) - 1n, 0x80000000n, 5n]) {
            for (const k of edges) {
              const slots = [
                ...lddw(1, a),
                makeInsn(cls | op | BPF_K, 1, 0, off, k),
                makeInsn(BPF_ALU64 | BPF_MOV | BPF_X, 0, 1),
                makeInsn(OP_EXIT),
              ];
              expect(runInterp(slots)[0]).toBe(referenceRun(slots)[0]);
            }
          }
        });
      }
    }
  }
});
