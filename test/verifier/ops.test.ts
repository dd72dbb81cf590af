// Every instruction the catalogue names (src/vm/isa.ts `Op`) reaches a verdict in the verifier,
// every ALU instruction on constants gives the value the reference model computes, and every
// conditional jump on constants is decided the way it goes: the verifier dispatches on the Op,
// so an Op routed to the wrong operation or comparison shows here.
import { describe, expect, it } from "vitest";
import { BPF_ADD, BPF_X, OP_COUNT, OP_DESC, Op, insnOf, makeInsn, type Insn } from "../../src/vm/isa.js";
import { SK_REUSEPORT } from "../../src/vm/program-type.js";
import { verify } from "../../src/verifier/index.js";
import { referenceRun } from "../vm/reference-interpreter.js";

const GET_PRANDOM_U32 = 7;

/** r2 = 5, r3 = 2, r0 = 1, and 8 zero bytes at r10-8; then `body`; then `exit` (and a function). */
function program(body: Insn[], withFn: boolean): Insn[] {
  const prelude = [
    insnOf(Op.ST_DW, 10, 0, -8, 0),
    insnOf(Op.MOV64_K, 2, 0, 0, 5),
    insnOf(Op.MOV64_K, 3, 0, 0, 2),
    insnOf(Op.MOV64_K, 0, 0, 0, 1),
  ];
  const fn = withFn ? [insnOf(Op.MOV64_K, 0, 0, 0, 0), insnOf(Op.EXIT)] : [];
  return [...prelude, ...body, insnOf(Op.MOV64_K, 0, 0, 0, 1), insnOf(Op.EXIT), ...fn];
}

/** The instruction under test (with the slots it needs), placed after the prelude. */
function bodyOf(op: Op): Insn[] {
  const d = OP_DESC[op]!;
  switch (d.kind) {
    case "alu":
      return [d.source === BPF_X ? insnOf(op, 2, 3) : insnOf(op, 2, 0, 0, 3)];
    case "end":
      return [insnOf(op, 2)];
    case "jmp":
      return [d.source === BPF_X ? insnOf(op, 2, 3, 0) : insnOf(op, 2, 0, 0, 3)];
    case "ja":
      return [insnOf(op)];
    case "call":
      // A local call's target is the function after the main program's `mov r0, 1; exit`.
      return [insnOf(op, 0, 0, 0, op === Op.CALL_LOCAL ? 2 : GET_PRANDOM_U32)];
    case "callx":
      return [insnOf(op, 2)];
    case "exit":
      return []; // every program ends with one
    case "lddw":
      return [insnOf(op, 2, 0, 0, 1, 0), makeInsn(0)];
    case "ldx":
    case "ldxsx":
      return [insnOf(op, 2, 10, -8)];
    case "st":
      return [insnOf(op, 10, 0, -8, 7)];
    case "stx":
      return [insnOf(op, 10, 3, -8)];
    case "atomic":
      return [insnOf(op, 10, 3, -8, BPF_ADD)];
    case "ldabs":
      return [insnOf(op, 0, 0, 0, 0)];
  }
}

/** The verifier's error code for the instructions it refuses; every other one is accepted. */
const REFUSED: ReadonlyMap<Op, string> = new Map([
  [Op.CALL_KFUNC, "verify.kfunc"],
  [Op.CALLX, "verify.opcode"],
  [Op.LDABS_B, "verify.ldabs"],
  [Op.LDABS_H, "verify.ldabs"],
  [Op.LDABS_W, "verify.ldabs"],
  [Op.LDIND_B, "verify.ldabs"],
  [Op.LDIND_H, "verify.ldabs"],
  [Op.LDIND_W, "verify.ldabs"],
]);

const OPS = Array.from({ length: OP_COUNT - 1 }, (_, k) => (k + 1) as Op);

describe("every Op gets a verdict", () => {
  it.each(OPS.map((op) => [OP_DESC[op]!.name, op] as const))("%s", (_, op) => {
    const r = verify(program(bodyOf(op), op === Op.CALL_LOCAL), { type: SK_REUSEPORT, attachType: 40, maps: [] });
    const refused = REFUSED.get(op);
    expect(r.error?.code ?? null).toBe(refused ?? null);
    if (refused !== undefined) expect(r.detail?.insn).toBe(4);
  });
});

/** The ALU instructions, which the reference model runs. */
const ALU_OPS = OPS.filter((op) => OP_DESC[op]!.kind === "alu" || OP_DESC[op]!.kind === "end");

/** The kernel (6.18) keeps no bounds of a quotient or remainder, even of constants. */
const NO_QUOTIENT = new Set(["DIV", "SDIV", "MOD", "SMOD"]);
const untracked = (op: Op): boolean => NO_QUOTIENT.has(OP_DESC[op]!.name.replace(/(64|32)_[KX]$/, ""));

describe("ALU instructions on constants", () => {
  it.each(ALU_OPS.map((op) => [OP_DESC[op]!.name, op] as const))("%s: the verifier knows the result", (_, op) => {
    const d = OP_DESC[op]!;
    const insn = d.kind === "end" ? insnOf(op, 2) : d.source === BPF_X ? insnOf(op, 2, 3) : insnOf(op, 2, 0, 0, 3);
    const setup = [insnOf(Op.MOV64_K, 2, 0, 0, -5), insnOf(Op.MOV64_K, 3, 0, 0, 2), insn];
    const want = referenceRun([...setup, insnOf(Op.EXIT)])[2]!;
    // r2 == want skips the read of the unset r9; only a verifier that knows r2 exactly
    // (and equal to want) leaves that read unexplored.
    const prog = [
      ...setup,
      insnOf(Op.LDDW, 4, 0, 0, Number(BigInt.asIntN(32, want)), Number(BigInt.asIntN(32, want >> 32n))),
      makeInsn(0),
      insnOf(Op.JEQ_X, 2, 4, 1),
      insnOf(Op.MOV64_X, 0, 9),
      insnOf(Op.MOV64_K, 0, 0, 0, 1),
      insnOf(Op.EXIT),
    ];
    const r = verify(prog, { type: SK_REUSEPORT, attachType: 40, maps: [] });
    expect(r.error?.code ?? null).toBe(untracked(op) ? "verify.uninit-reg" : null);
  });
});

/** Whether conditional jump `name` (e.g. "JSGE32_X") is taken for `a` against `b`. */
function taken(name: string, a: bigint, b: bigint): boolean {
  const [, cmp, w] = /^(J[A-Z]+?)(32)?_[KX]$/.exec(name)!;
  const bits = w === "32" ? 32 : 64;
  const [ua, ub] = [BigInt.asUintN(bits, a), BigInt.asUintN(bits, b)];
  const [sa, sb] = [BigInt.asIntN(bits, a), BigInt.asIntN(bits, b)];
  const table: Record<string, boolean> = {
    JEQ: ua === ub,
    JNE: ua !== ub,
    JSET: (ua & ub) !== 0n,
    JGT: ua > ub,
    JGE: ua >= ub,
    JLT: ua < ub,
    JLE: ua <= ub,
    JSGT: sa > sb,
    JSGE: sa >= sb,
    JSLT: sa < sb,
    JSLE: sa <= sb,
  };
  return table[cmp!]!;
}

describe("conditional jumps on constants", () => {
  const JUMPS = OPS.filter((op) => OP_DESC[op]!.kind === "jmp");
  it.each(JUMPS.map((op) => [OP_DESC[op]!.name, op] as const))("%s: the verifier decides it", (name, op) => {
    const x = OP_DESC[op]!.source === BPF_X;
    const yes = taken(name, -5n, x ? 2n : 3n);
    // The side the jump does not go to reads the unset r9: a verifier that decides the
    // comparison the other way, or not at all, explores it.
    const [fall, jump] = yes ? [9, -1] : [-1, 9];
    const ret = (r: number): Insn => (r < 0 ? insnOf(Op.MOV64_K, 0, 0, 0, 1) : insnOf(Op.MOV64_X, 0, r));
    const prog = [
      insnOf(Op.MOV64_K, 2, 0, 0, -5),
      insnOf(Op.MOV64_K, 3, 0, 0, 2),
      x ? insnOf(op, 2, 3, 2) : insnOf(op, 2, 0, 2, 3),
      ret(fall),
      insnOf(Op.EXIT),
      ret(jump),
      insnOf(Op.EXIT),
    ];
    const r = verify(prog, { type: SK_REUSEPORT, attachType: 40, maps: [] });
    expect(r.error).toBeNull();
  });
});
