// The interpreter's generic fusion rules (fuse() in the interpreter: a mov folded into the op
// after it, add X + narrow load, add K + compare-and-jump or ja) against the checked JIT, an
// engine without them: random programs built from exactly those groups, with every register
// aliasing (src = dst, src = the mov's source), jumps that land on a group's second or third
// slot, loads that leave the region, and every instruction budget — same r0 (a hash of r0-r9),
// same trap and instruction index, same `executed`.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VmTrap } from "../../../src/errors.js";
import { assemble } from "../../../src/vm/asm/assembler.js";
import type { Engine } from "../../../src/vm/engine.js";
import { Interpreter } from "../../../src/vm/interpreter.js";
import { compileJit } from "../../../src/vm/jit/jit.js";
import {
  BPF_ADD,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_B,
  BPF_DW,
  BPF_H,
  BPF_JEQ,
  BPF_JGT,
  BPF_JLT,
  BPF_JMP,
  BPF_JNE,
  BPF_K,
  BPF_LDX,
  BPF_LSH,
  BPF_MEM,
  BPF_MEMSX,
  BPF_MOV,
  BPF_MUL,
  BPF_OR,
  BPF_RSH,
  BPF_SUB,
  BPF_W,
  BPF_X,
  BPF_XOR,
  BPF_PSEUDO_CALL,
  OP_CALL,
  OP_EXIT,
  OP_JA,
  decode,
  encode,
  makeInsn,
  type Insn,
} from "../../../src/vm/isa.js";
import { AddressSpace } from "../../../src/vm/memory.js";
import { checkStructure } from "../../../src/vm/validate.js";
import { runs } from "../../support/runs.js";

const MEM_SIZE = 64;
/** r1 (the region's base) is never written, so loads through base + index mostly land inside. */
const reg = fc.constantFrom(0, 2, 3, 4, 5, 6, 7, 8, 9);
const anyReg = fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
const imm = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 8, 31, 32, 33, 63, -1, -8, 0x7fffffff, -0x80000000),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
);
const alu = (op: number, x: boolean, dst: number, src: number, k: number): Insn =>
  x ? makeInsn(BPF_ALU64 | op | BPF_X, dst, src) : makeInsn(BPF_ALU64 | op | BPF_K, dst, 0, 0, k);
const mov = (dst: number, src: number): Insn => makeInsn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src);

/** An op after `mov x, y`: every op and form, fused or not, with src = x, y or another register. */
const movOp = fc
  .record({
    x: reg,
    y: anyReg,
    op: fc.constantFrom(BPF_ADD, BPF_SUB, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH, BPF_ARSH, BPF_MUL),
    xform: fc.boolean(),
    srcKind: fc.constantFrom("dst", "y", "other"),
    other: anyReg,
    k: imm,
  })
  .map(({ x, y, op, xform, srcKind, other, k }) => {
    const src = srcKind === "dst" ? x : srcKind === "y" ? y : other;
    return [mov(x, y), alu(op, xform, x, src, k)];
  });

const loadOp = fc.constantFrom(
  BPF_LDX | BPF_MEM | BPF_B,
  BPF_LDX | BPF_MEM | BPF_H,
  BPF_LDX | BPF_MEM | BPF_W,
  BPF_LDX | BPF_MEM | BPF_DW,
  BPF_LDX | BPF_MEMSX | BPF_B,
  BPF_LDX | BPF_MEMSX | BPF_H,
  BPF_LDX | BPF_MEMSX | BPF_W,
);

/** `mov x, r1; add x, i; ldx d, [x+off]` or without the mov; the load may read through another base. */
const indexedLoad = fc
  .record({
    withMov: fc.boolean(),
    x: reg,
    i: reg,
    d: reg,
    op: loadOp,
    off: fc.oneof(fc.constantFrom(0, 1, 4, -1), fc.integer({ min: -8, max: MEM_SIZE + 8 })),
    base: fc.constantFrom("sum", "sum", "sum", "r1"),
  })
  .map(({ withMov, x, i, d, op, off, base }) => [
    ...(withMov ? [mov(x, 1)] : []),
    alu(BPF_ADD, true, x, i, 0),
    makeInsn(op, d, base === "sum" ? x : 1, off),
  ]);

/** A small index value, so that base + index stays near the region. */
const setIndex = fc
  .record({ r: reg, v: fc.integer({ min: 0, max: MEM_SIZE + 4 }) })
  .map(({ r, v }) => [alu(BPF_MOV, false, r, 0, v)]);

/** add K + a compare-and-jump against a register (fused), forward by `skip` slots. */
const addJump = fc
  .record({
    r: reg,
    k: imm,
    y: anyReg,
    op: fc.constantFrom(BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JLT),
    skip: fc.integer({ min: 0, max: 3 }),
  })
  .map(({ r, k, y, op, skip }) => [alu(BPF_ADD, false, r, 0, k), makeInsn(BPF_JMP | op | BPF_X, r, y, skip)]);

/** add K + ja (fused: taken on every outcome). */
const addJa = fc
  .record({ r: reg, k: imm, skip: fc.integer({ min: 0, max: 3 }) })
  .map(({ r, k, skip }) => [alu(BPF_ADD, false, r, 0, k), makeInsn(OP_JA, 0, 0, skip)]);

/** A jump that may land on the second or third slot of the group after it. */
const landing = fc
  .record({ r: anyReg, k: fc.integer({ min: 0, max: 3 }), skip: fc.integer({ min: 1, max: 2 }) })
  .map(({ r, k, skip }) => [makeInsn(BPF_JMP | BPF_JNE | BPF_K, r, 0, skip, k)]);

const block = fc.oneof(movOp, movOp, indexedLoad, indexedLoad, setIndex, addJump, addJa, landing);

/** Forward jumps clamped to the last instruction (the hash and exit), so every target exists. */
function build(blocks: readonly Insn[][]): Insn[] {
  const body = blocks.flat();
  const tail: Insn[] = [];
  for (let r = 1; r <= 9; r++) tail.push(alu(BPF_MUL, false, 0, 0, 0x1000193), alu(BPF_ADD, true, 0, r, 0));
  tail.push(makeInsn(OP_EXIT));
  const n = body.length;
  return [
    ...body.map((ins, i) => {
      if ((ins.opcode & 0x07) !== BPF_JMP) return ins;
      return { ...ins, off: Math.min(ins.off, n - i - 1) };
    }),
    ...tail,
  ];
}

const program = fc.array(block, { minLength: 1, maxLength: 14 }).map(build);
const memory = fc.uint8Array({ minLength: MEM_SIZE, maxLength: MEM_SIZE });

function outcome(make: (o: { mem: AddressSpace; budget: number }) => Engine, mem: Uint8Array, budget: number): string {
  const space = new AddressSpace();
  const region = space.add("mem", mem.slice(), true);
  const engine = make({ mem: space, budget });
  try {
    const lo = engine.run(region.id, 0, mem.length);
    return `r0=${engine.r0hi}:${lo} executed=${engine.executed}`;
  } catch (e) {
    if (!(e instanceof VmTrap)) throw e;
    return `${e.code} at ${JSON.stringify(e.location)} executed=${engine.executed}`;
  }
}

function compare(insns: Insn[], mem: Uint8Array, budget: number): void {
  const checked = checkStructure(encode(insns));
  const interp = outcome((o) => new Interpreter(checked, { ...o, helpers: new Map() }), mem, budget);
  const jit = outcome((o) => compileJit(checked, { ...o, helpers: new Map() }), mem, budget);
  expect({ budget, interp }).toEqual({ budget, interp: jit });
}

describe("generic fusion rules against the checked JIT", () => {
  it("random programs of fused groups: same r0 or trap, instruction and count", () => {
    fc.assert(
      fc.property(program, memory, (insns, mem) => compare(insns, mem, 1_000_000)),
      { numRuns: runs(300), seed: 0xf05e },
    );
  });

  it("every budget traps at the same instruction with the same count", () => {
    fc.assert(
      fc.property(program, memory, (insns, mem) => {
        for (let budget = 0; budget <= insns.length + 1; budget++) compare(insns, mem, budget);
      }),
      { numRuns: runs(40), seed: 0xb0d9e7 },
    );
  });

  it("a mov folded into its op still runs alone when a jump lands on the op", () => {
    // jne r2, 0 skips the mov: the add must use r3's old value, not r1.
    const insns = build([
      [alu(BPF_MOV, false, 2, 0, 1), alu(BPF_MOV, false, 3, 0, 7)],
      [makeInsn(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 1, 0)],
      [mov(3, 1), alu(BPF_ADD, false, 3, 0, 5)],
      [mov(0, 3)],
    ]);
    compare(insns, new Uint8Array(MEM_SIZE), 1_000_000);
  });
});

/** Callees that write r6-r9 or not, directly, through a nested call, a backward jump, recursion. */
const CALLS = [
  // leaf that never writes r6-r9: nothing to save, the caller's values must still be there
  `mov %r6, 6
mov %r9, 9
call local leaf
add %r0, %r6
add %r0, %r9
exit
leaf:
mov %r0, 100
mov %r1, 7
exit`,
  // the callee writes r8 only through the function it calls
  `mov %r8, 8
call local outer
add %r0, %r8
exit
outer:
call local inner
add %r0, 1
exit
inner:
mov %r8, 1000
mov %r0, %r8
exit`,
  // r9 is written only on a path reached by a backward jump
  `mov %r9, 9
mov %r1, 3
call local loop
add %r0, %r9
exit
loop:
mov %r0, 0
again:
jeq %r1, 0, out
sub %r1, 1
ja again
out:
jne %r0, 0, write
add %r0, 1
ja again
write:
mov %r9, 500
exit`,
  // recursion that writes r6 on the way down
  `mov %r6, 6
mov %r1, 4
call local rec
add %r0, %r6
exit
rec:
mov %r0, %r1
jeq %r1, 0, done
mov %r6, %r1
sub %r1, 1
call local rec
add %r0, %r6
done:
exit`,
];

describe("local calls save r6-r9 only when the callee may write them", () => {
  CALLS.forEach((src, k) => {
    it(`program ${k}: same r0 or trap and count as the checked JIT at every budget`, () => {
      const insns = decode(assemble(src));
      for (let budget = 0; budget <= 60; budget++) compare(insns, new Uint8Array(MEM_SIZE), budget);
    });
  });
});

describe("the callee analysis on any program shape", () => {
  it("a chain of 100,000 nested local calls decodes and traps at the call depth limit", () => {
    // Each even slot calls the next slot; no function ends before the last slot.
    const insns: Insn[] = [];
    for (let i = 0; i < 199_999; i++)
      insns.push(i % 2 === 0 ? makeInsn(OP_CALL, 0, BPF_PSEUDO_CALL) : alu(BPF_MOV, false, 1, 0, 1));
    insns.push(makeInsn(OP_EXIT));
    const vm = new Interpreter(checkStructure(encode(insns)), { mem: new AddressSpace(), helpers: new Map() });
    expect(() => vm.run(0, 0, 0)).toThrow(expect.objectContaining({ code: "vm.call-depth" }));
  });
});
