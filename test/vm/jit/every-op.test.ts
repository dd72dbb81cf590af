// Every instruction of the catalogue (`Op`), compiled by the JIT and run against the interpreter
// on edge values: the random programs of equivalence.test.ts never produce some of them (ja32,
// local calls, kfunc calls, legacy packet loads), and this names the one that differs.
import { describe, expect, it } from "vitest";
import {
  ATOMIC_OPS,
  BPF_X,
  OP_COUNT,
  OP_DESC,
  Op,
  insnOf,
  toSlots,
  type Insn,
  type OpDesc,
} from "../../../src/vm/isa.js";
import { observe } from "./equiv-harness.js";

/** 64-bit values as [hi, lo] int32 halves: zero, one, minus one, sign and carry edges. */
const VALUES: readonly (readonly [number, number])[] = [
  [0, 0],
  [0, 1],
  [-1, -1],
  [0, 0x7fffffff],
  [0, -0x80000000],
  [-0x80000000, 0],
  [1, 3],
  [-1, -7],
];

const IMMS = [0, 1, -1, 33, -0x80000000];

/** `lddw r<r>, hi:lo`, as one compact entry. */
const load = (r: number, [h, l]: readonly [number, number]): Insn => insnOf(Op.LDDW, r, 0, 0, l, h);

/** The instruction under test, with operands that keep memory accesses inside a region. */
function variants(d: OpDesc): Insn[] {
  const op = d.op;
  switch (d.kind) {
    case "ldx":
    case "ldxsx":
      return [insnOf(op, 0, 10, -16), insnOf(op, 3, 1, 8), insnOf(op, 4, 1, 60)];
    case "st":
      return IMMS.map((k) => insnOf(op, 10, 0, -16, k)).concat([insnOf(op, 1, 0, 4, -2)]);
    case "stx":
      return [insnOf(op, 10, 2, -16), insnOf(op, 1, 3, 8), insnOf(op, 10, 10, -8)];
    case "atomic":
      return [...ATOMIC_OPS.keys(), 0x02].map((k) => insnOf(op, 10, 2, -16, k)).concat([insnOf(op, 1, 0, 8, 0)]);
    case "ja":
    case "jmp":
      // Taken: skip `r0 = 1` (a ja32 names its target in imm).
      if (op === Op.JA32) return [insnOf(op, 0, 0, 0, 1)];
      return d.source === BPF_X ? [insnOf(op, 2, 3, 1), insnOf(op, 2, 2, 1)] : IMMS.map((k) => insnOf(op, 2, 0, 1, k));
    case "call":
      return op === Op.CALL_LOCAL ? [insnOf(op, 0, 0, 0, 2)] : [1, 2, 5, 77].map((k) => insnOf(op, 0, 0, 0, k));
    case "callx":
      return [insnOf(op, 2), insnOf(op, 6)];
    case "lddw":
      return [insnOf(op, 2, 0, 0, -5, 9)];
    default:
      // The selector (sdiv's off, a byte order's imm) comes from insnOf whatever is passed.
      return d.source === BPF_X ? [insnOf(op, 2, 3), insnOf(op, 2, 2)] : IMMS.map((k) => insnOf(op, 2, 0, 0, k));
  }
}

/** Registers r0, r2-r9 set from the values (r1 keeps the memory pointer), then `insn`. */
function programs(insn: Insn): Insn[][] {
  const out: Insn[][] = [];
  // Four rotations of the values over the registers: dst and src meet different pairs.
  for (let v = 0; v < VALUES.length; v += 2) {
    const list: Insn[] = [];
    for (const r of [0, 2, 3, 4, 5, 6, 7, 8, 9]) list.push(load(r, VALUES[(v + r) % VALUES.length]!));
    // r6 names helper 1 for callx.
    list.push(insnOf(Op.MOV64_K, 6, 0, 0, 1));
    list.push(insn, insnOf(Op.MOV64_K, 0, 0, 0, 1), insnOf(Op.EXIT));
    // A local call's callee (two slots on): r0 = r2, exit.
    list.push(insnOf(Op.MOV64_X, 0, 2), insnOf(Op.EXIT));
    out.push(toSlots(list));
  }
  return out;
}

describe("every Op: the JIT matches the interpreter", () => {
  const mem = new Uint8Array(64).map((_, i) => (i * 37 + 11) & 0xff);
  for (let op = 1; op < OP_COUNT; op++) {
    const d = OP_DESC[op]!;
    it(d.name, () => {
      for (const insn of variants(d)) {
        for (const p of programs(insn)) {
          const interp = observe("interp", p, { mem, runs: 1 });
          expect(observe("jit", p, { mem, runs: 1 }), JSON.stringify(insn)).toEqual(interp);
        }
      }
    });
  }
});
