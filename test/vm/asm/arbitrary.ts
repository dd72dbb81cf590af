/**
 * fast-check generators of VALID instructions (canonical encodings: unused fields zero), one
 * per `Op` of the ISA catalogue, including atomics, movsx, sdiv/smod, ja32, lddw (plain and
 * pseudo sources), callx, sign-extending loads and legacy packet loads.
 */
import fc from "fast-check";
import { isIndirectLoad } from "../../../src/vm/asm/syntax.js";
import { ATOMIC_OPS, BPF_X, insnOf, Op, OP_COUNT, OP_DESC, type Insn } from "../../../src/vm/isa.js";

const reg = fc.integer({ min: 0, max: 10 });
const s16 = fc.integer({ min: -0x8000, max: 0x7fff });
const s32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });

/** Valid slots of `op` (insnOf fills the selector: sdiv's off, le16's imm, a call's src). */
function arbFor(op: Op): fc.Arbitrary<Insn> {
  const d = OP_DESC[op]!;
  const x = d.source === BPF_X;
  switch (d.kind) {
    case "alu":
      if (op === Op.NEG64 || op === Op.NEG32) return reg.map((r) => insnOf(op, r));
      return x
        ? fc.tuple(reg, reg).map(([r, s]) => insnOf(op, r, s))
        : fc.tuple(reg, s32).map(([r, i]) => insnOf(op, r, 0, 0, i));
    case "end":
    case "callx":
      return reg.map((r) => insnOf(op, r));
    case "jmp":
      return x
        ? fc.tuple(reg, reg, s16).map(([r, s, o]) => insnOf(op, r, s, o))
        : fc.tuple(reg, s32, s16).map(([r, i, o]) => insnOf(op, r, 0, o, i));
    case "ja":
      return op === Op.JA32 ? s32.map((i) => insnOf(op, 0, 0, 0, i)) : s16.map((o) => insnOf(op, 0, 0, o));
    case "call":
      return s32.map((i) => insnOf(op, 0, 0, 0, i));
    case "exit":
      return fc.constant(insnOf(op));
    case "lddw":
      return fc.oneof(
        fc.tuple(reg, s32, s32).map(([r, lo, hi]) => insnOf(op, r, 0, 0, lo, hi)),
        fc.tuple(reg, fc.integer({ min: 1, max: 6 }), s32, s32).map(([r, s, lo, hi]) => insnOf(op, r, s, 0, lo, hi)),
        fc.tuple(reg, fc.nat(1000)).map(([r, fd]) => insnOf(op, r, 1, 0, fd, 0)),
      );
    case "ldx":
    case "ldxsx":
    case "stx":
      return fc.tuple(reg, reg, s16).map(([r, s, o]) => insnOf(op, r, s, o));
    case "st":
      return fc.tuple(reg, s16, s32).map(([r, o, i]) => insnOf(op, r, 0, o, i));
    case "atomic":
      return fc
        .tuple(reg, reg, s16, fc.constantFrom(...ATOMIC_OPS.keys()))
        .map(([r, s, o, i]) => insnOf(op, r, s, o, i));
    case "ldabs":
      return isIndirectLoad(op)
        ? fc.tuple(reg, s32).map(([s, i]) => insnOf(op, 0, s, 0, i))
        : s32.map((i) => insnOf(op, 0, 0, 0, i));
  }
}

/** Every Op but INVALID (they are dense from 0). */
const OPS: readonly Op[] = Array.from({ length: OP_COUNT - 1 }, (_, i) => (i + 1) as Op);

/** One valid instruction of any kind (an lddw is one entry standing for two slots). */
export const arbInsn: fc.Arbitrary<Insn> = fc.oneof(...OPS.map(arbFor));

/** A program: a compact list of valid instructions. */
export const arbProgram: fc.Arbitrary<Insn[]> = fc.array(arbInsn, { minLength: 1, maxLength: 40 });
