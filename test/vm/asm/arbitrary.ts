/**
 * fast-check generators of VALID instructions (canonical encodings: unused fields zero), one
 * per kind of the ISA catalogue, including atomics, movsx, sdiv/smod, ja32, lddw (plain and
 * pseudo sources), callx, sign-extending loads and legacy packet loads.
 */
import fc from "fast-check";
import {
  ATOMIC_OPS,
  BPF_DIV,
  BPF_MOD,
  BPF_MOV,
  BPF_X,
  isAlu64,
  makeInsn,
  OPCODES,
  opCode,
  type Insn,
  type OpInfo,
} from "../../../src/vm/isa.js";

const reg = fc.integer({ min: 0, max: 10 });
const s16 = fc.integer({ min: -0x8000, max: 0x7fff });
const s32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });

function arbFor(info: OpInfo): fc.Arbitrary<Insn> {
  const op = info.opcode;
  const x = (op & BPF_X) !== 0;
  switch (info.kind) {
    case "alu": {
      if (info.name.startsWith("neg")) return reg.map((d) => makeInsn(op, d));
      const code = opCode(op);
      const offs =
        code === BPF_DIV || code === BPF_MOD
          ? [0, 1]
          : code === BPF_MOV && x
            ? isAlu64(op)
              ? [0, 8, 16, 32]
              : [0, 8, 16]
            : [0];
      const off = fc.constantFrom(...offs);
      return x
        ? fc.tuple(reg, reg, off).map(([d, s, o]) => makeInsn(op, d, s, o))
        : fc.tuple(reg, s32, off).map(([d, i, o]) => makeInsn(op, d, 0, o, i));
    }
    case "end":
      return fc.tuple(reg, fc.constantFrom(16, 32, 64)).map(([d, w]) => makeInsn(op, d, 0, 0, w));
    case "jmp":
      return x
        ? fc.tuple(reg, reg, s16).map(([d, s, o]) => makeInsn(op, d, s, o))
        : fc.tuple(reg, s32, s16).map(([d, i, o]) => makeInsn(op, d, 0, o, i));
    case "ja":
      return info.width === 4 ? s32.map((i) => makeInsn(op, 0, 0, 0, i)) : s16.map((o) => makeInsn(op, 0, 0, o));
    case "call":
      return fc.tuple(fc.constantFrom(0, 1, 2), s32).map(([s, i]) => makeInsn(op, 0, s, 0, i));
    case "callx":
      return reg.map((d) => makeInsn(op, d));
    case "exit":
      return fc.constant(makeInsn(op));
    case "lddw":
      return fc.oneof(
        fc.tuple(reg, s32, s32).map(([d, lo, hi]) => makeInsn(op, d, 0, 0, lo, hi)),
        fc.tuple(reg, fc.integer({ min: 1, max: 6 }), s32, s32).map(([d, s, lo, hi]) => makeInsn(op, d, s, 0, lo, hi)),
        fc.tuple(reg, fc.nat(1000)).map(([d, fd]) => makeInsn(op, d, 1, 0, fd, 0)),
      );
    case "ldx":
    case "ldxsx":
    case "stx":
      return fc.tuple(reg, reg, s16).map(([d, s, o]) => makeInsn(op, d, s, o));
    case "st":
      return fc.tuple(reg, s16, s32).map(([d, o, i]) => makeInsn(op, d, 0, o, i));
    case "atomic":
      return fc
        .tuple(reg, reg, s16, fc.constantFrom(...ATOMIC_OPS.keys()))
        .map(([d, s, o, i]) => makeInsn(op, d, s, o, i));
    case "ldabs":
      return info.name.startsWith("ldind")
        ? fc.tuple(reg, s32).map(([s, i]) => makeInsn(op, 0, s, 0, i))
        : s32.map((i) => makeInsn(op, 0, 0, 0, i));
  }
}

/** One valid instruction of any kind (an lddw is one entry standing for two slots). */
export const arbInsn: fc.Arbitrary<Insn> = fc.oneof(...[...OPCODES.values()].map(arbFor));

/** A program: a compact list of valid instructions. */
export const arbProgram: fc.Arbitrary<Insn[]> = fc.array(arbInsn, { minLength: 1, maxLength: 40 });
