// The range analysis behind the trusted JIT's "fits in 32 bits" facts (src/vm/jit/ranges.ts):
// what it proves on small programs, what it must not claim, and — the property that matters —
// facts from it never change a result: on random programs (any shape, not verified) that the
// interpreter runs to the end, the trusted JIT fed with these facts gives the same r0 and
// memory.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BatonError } from "../../../src/errors.js";
import { assemble } from "../../../src/vm/asm/assembler.js";
import { Interpreter } from "../../../src/vm/interpreter.js";
import {
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_B,
  BPF_DIV,
  BPF_DW,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JMP,
  BPF_JMP32,
  BPF_JNE,
  BPF_JSGT,
  BPF_JSLT,
  BPF_K,
  BPF_LDX,
  BPF_LSH,
  BPF_MEM,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RSH,
  BPF_STX,
  BPF_ST,
  BPF_SUB,
  BPF_W,
  BPF_X,
  BPF_XOR,
  decode,
  makeInsn,
  type Insn,
} from "../../../src/vm/isa.js";
import { trustedJit } from "../../../src/vm/jit/jit.js";
import { registerRanges } from "../../../src/vm/jit/ranges.js";
import { jitFactsFromVerifier } from "../../../src/vm/jit/verifier-facts.js";
import { AddressSpace } from "../../../src/vm/memory.js";
import { testHelpers } from "./equiv-harness.js";
import { layout, memBytes, program, type Item } from "./gen.js";
import { runs } from "../../support/runs.js";

const asm = (lines: readonly string[]): Insn[] => decode(assemble(lines.join("\n")));

/** The range of r<reg> before slot `pc` as [lo, hi] (hi = Infinity: not bounded below 2^52). */
function rangeAt(insns: readonly Insn[], pc: number, reg: number): [number, number] | undefined {
  const r = registerRanges(insns)[pc]?.[reg];
  return r === undefined ? undefined : [r.lo, r.hi];
}

describe("ranges on small programs", () => {
  it("a loop counter bounded by an unsigned compare stays below the bound at the loop head", () => {
    const p = asm(["mov %r1, 0", "lp:", "add %r1, 1", "jlt %r1, 16, lp", "mov %r0, %r1", "exit"]);
    expect(rangeAt(p, 1, 1)).toEqual([0, 15]);
    expect(rangeAt(p, 3, 1)).toEqual([16, 16]);
  });

  it("a loop ended by != is not bounded (only walking each iteration would show it)", () => {
    const p = asm(["mov %r1, 0", "lp:", "add %r1, 1", "jne %r1, 16, lp", "exit"]);
    expect(rangeAt(p, 1, 1)![1]).toBe(Infinity);
  });

  it("paths merge: a wide constant on one path makes the register wide after the join", () => {
    const p = asm([
      "ldxw %r2, [%r1]",
      "mov %r7, 6",
      "jeq %r2, 0, join",
      "lddw %r7, 0x100000001",
      "join:",
      "mov %r9, %r7",
      "exit",
    ]);
    const join = p.findIndex((x) => x.dst === 9);
    expect(rangeAt(p, join, 7)).toEqual([6, 0x100000001]);
    expect(jitFactsFromVerifier(p, [], true).insns![join + 1]!.u32Regs! & (1 << 9)).toBe(0);
  });

  it("spills and fills through r10 keep the range; a store through another pointer or a call forgets it", () => {
    const p = asm([
      "mov %r2, 7",
      "stxdw [%r10-8], %r2",
      "ldxdw %r3, [%r10-8]",
      "stxdw [%r1], %r2",
      "ldxdw %r4, [%r10-8]",
      "call 1",
      "ldxdw %r5, [%r10-8]",
      "exit",
    ]);
    expect(rangeAt(p, 3, 3)).toEqual([7, 7]);
    expect(rangeAt(p, 5, 4)![1]).toBe(Infinity);
    const q = asm(["mov %r2, 7", "stxdw [%r10-8], %r2", "call 1", "ldxdw %r5, [%r10-8]", "exit"]);
    expect(rangeAt(q, 4, 5)![1]).toBe(Infinity);
  });

  it("narrow loads, 32-bit ALU and masks are below 2^32; helper results are not", () => {
    const p = asm([
      "ldxw %r2, [%r1]",
      "ldxdw %r3, [%r1]",
      "mov32 %r4, %r3",
      "and %r3, 0xff",
      "rsh %r1, 32",
      "call 1",
      "exit",
    ]);
    expect(rangeAt(p, 2, 2)).toEqual([0, 2 ** 32 - 1]);
    expect(rangeAt(p, 3, 4)).toEqual([0, 2 ** 32 - 1]);
    expect(rangeAt(p, 4, 3)).toEqual([0, 255]);
    expect(rangeAt(p, 5, 1)).toEqual([0, 2 ** 32 - 1]);
    expect(rangeAt(p, 6, 0)![1]).toBe(Infinity);
  });

  it("a counter kept in a slot: the bound check on its fill narrows the slot (compiled loops)", () => {
    const p = asm([
      "mov %r1, 0",
      "stxdw [%r10-8], %r1",
      "lp:",
      "ldxdw %r1, [%r10-8]",
      "jge %r1, 32, out",
      "ldxdw %r2, [%r10-8]",
      "add %r2, 1",
      "stxdw [%r10-8], %r2",
      "ja lp",
      "out:",
      "exit",
    ]);
    expect(rangeAt(p, 5, 2)).toEqual([0, 31]);
    expect(rangeAt(p, 3, 1)).toEqual([0, 32]);
    // A store into the slot between the fill and the check breaks the link.
    const q = asm([
      "ldxdw %r3, [%r1]",
      "mov %r1, 0",
      "stxdw [%r10-8], %r1",
      "ldxdw %r1, [%r10-8]",
      "stxdw [%r10-8], %r3",
      "jge %r1, 32, out",
      "ldxdw %r2, [%r10-8]",
      "out:",
      "exit",
    ]);
    expect(rangeAt(q, 7, 2)![1]).toBe(Infinity);
  });

  it("a helper call forgets the slots unless the verifier says it only reads through its arguments", () => {
    const p = asm(["mov %r6, 7", "stxdw [%r10-8], %r6", "call 1", "ldxdw %r0, [%r10-8]", "exit"]);
    expect(registerRanges(p)[4]![0]!.hi).toBe(Infinity);
    expect(registerRanges(p, (pc) => pc === 2)[4]![0]).toEqual({ lo: 7, hi: 7 });
    expect(registerRanges(p, (pc) => pc === 2)[3]![6]).toEqual({ lo: 7, hi: 7 });
  });

  it("adding a negative immediate subtracts; wrapping below zero gives up", () => {
    const p = asm(["mov %r2, 10", "add %r2, -3", "mov %r3, 2", "add %r3, -3", "exit"]);
    expect(rangeAt(p, 2, 2)).toEqual([7, 7]);
    expect(rangeAt(p, 4, 3)![1]).toBe(Infinity);
  });
});

/** r0 (or the trap) and the memory region after one run. */
function observe(insns: readonly Insn[], mem: Uint8Array, trusted: boolean): { out: string; mem: number[] } {
  const space = new AddressSpace();
  const region = space.add("mem", mem.slice(), true);
  const opts = { mem: space, helpers: testHelpers(), budget: 2000, unwindHelper: 5 };
  try {
    const e = trusted ? trustedJit(jitFactsFromVerifier(insns, [], false))(insns, opts) : new Interpreter(insns, opts);
    const lo = e.run(region.id, 0, mem.length);
    return { out: `r0 = ${e.r0hi >>> 0}:${lo >>> 0}`, mem: [...region.bytes] };
  } catch (e) {
    if (!(e instanceof BatonError)) throw e;
    return { out: `trap ${e.code}`, mem: [...region.bytes] };
  }
}

/**
 * Programs whose values sit near the facts' edges: small and edge constants, 32-bit results,
 * narrow loads and spills, arithmetic that may or may not wrap, compares that narrow them
 * (forward branches and short backward ones, so loops that end are common). r1 stays the
 * memory pointer; at the end every register is stored to memory and folded into r0, so a
 * wrong "fits in 32 bits" anywhere shows.
 */
const NEAR_EDGES = [0, 1, 2, 3, 5, 16, 255, 256, 0x7fffffff, -1, -2, -0x80000000, 0x10000, 31, 32, 63];
const smallImm = fc.oneof(fc.constantFrom(...NEAR_EDGES), fc.integer({ min: -20, max: 300 }));
const reg = fc.integer({ min: 2, max: 9 });
const edgeAlu: fc.Arbitrary<Item> = fc
  .record({
    w: fc.constantFrom(BPF_ALU64, BPF_ALU64, BPF_ALU),
    code: fc.constantFrom(
      BPF_ADD,
      BPF_SUB,
      BPF_MUL,
      BPF_DIV,
      BPF_MOD,
      BPF_AND,
      BPF_OR,
      BPF_XOR,
      BPF_LSH,
      BPF_RSH,
      BPF_ARSH,
      BPF_MOV,
      BPF_MOV,
      BPF_NEG,
    ),
    x: fc.boolean(),
    dst: reg,
    src: reg,
    imm: smallImm,
  })
  .map(({ w, code, x, dst, src, imm }) => ({
    insn:
      code === BPF_NEG
        ? makeInsn(w | code | BPF_K, dst)
        : makeInsn(w | code | (x ? BPF_X : BPF_K), dst, x ? src : 0, 0, x ? 0 : imm),
  }));
const edgeMem: fc.Arbitrary<Item> = fc.oneof(
  fc
    .record({ size: fc.constantFrom(BPF_B, BPF_W, BPF_DW), dst: reg, off: fc.integer({ min: 0, max: 7 }) })
    .map(({ size, dst, off }) => ({ insn: makeInsn(BPF_LDX | BPF_MEM | size, dst, 1, off * 8) })),
  fc
    .record({ src: reg, slot: fc.integer({ min: 1, max: 4 }) })
    .map(({ src, slot }) => ({ insn: makeInsn(BPF_STX | BPF_MEM | BPF_DW, 10, src, -8 * slot) })),
  fc
    .record({ size: fc.constantFrom(BPF_W, BPF_DW, BPF_DW), dst: reg, slot: fc.integer({ min: 1, max: 4 }) })
    .map(({ size, dst, slot }) => ({ insn: makeInsn(BPF_LDX | BPF_MEM | size, dst, 10, -8 * slot) })),
);
const edgeJump: fc.Arbitrary<Item> = fc
  .record({
    cls: fc.constantFrom(BPF_JMP, BPF_JMP, BPF_JMP32),
    code: fc.constantFrom(BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE, BPF_JSGT, BPF_JSLT),
    x: fc.boolean(),
    dst: reg,
    src: reg,
    imm: smallImm,
    rel: fc.integer({ min: -3, max: 5 }),
  })
  .map(({ cls, code, x, dst, src, imm, rel }) => ({
    jump: makeInsn(cls | code | (x ? BPF_X : BPF_K), dst, x ? src : 0, 0, x ? 0 : imm),
    rel,
  }));
/**
 * A loop whose counter lives in slot r10-48 (as compiled code keeps it): fill, bound check,
 * body, fill again, increment, spill, jump back. The body may overwrite the counter slot.
 */
const slotLoop: fc.Arbitrary<Item[]> = fc
  .record({
    a: reg,
    b: reg,
    n: fc.integer({ min: 1, max: 40 }),
    body: fc.array(
      fc.oneof(
        { weight: 4, arbitrary: edgeAlu },
        { weight: 2, arbitrary: edgeMem },
        { weight: 1, arbitrary: reg.map((r): Item => ({ insn: makeInsn(BPF_STX | BPF_MEM | BPF_DW, 10, r, -48) })) },
      ),
      { maxLength: 5 },
    ),
  })
  .map(({ a, b, n, body }) => [
    { insn: makeInsn(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -48, 0) },
    { insn: makeInsn(BPF_LDX | BPF_MEM | BPF_DW, a, 10, -48) },
    { jump: makeInsn(BPF_JMP | BPF_JGE | BPF_K, a, 0, 0, n), rel: body.length + 4 },
    ...body,
    { insn: makeInsn(BPF_LDX | BPF_MEM | BPF_DW, b, 10, -48) },
    { insn: makeInsn(BPF_ALU64 | BPF_ADD | BPF_K, b, 0, 0, 1) },
    { insn: makeInsn(BPF_STX | BPF_MEM | BPF_DW, 10, b, -48) },
    { jump: makeInsn(BPF_JMP | 0x00, 0, 0, 0, 0), rel: -(body.length + 6) },
  ]);

const edgeProgram = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: edgeAlu.map((x) => [x]) },
      { weight: 2, arbitrary: edgeMem.map((x) => [x]) },
      { weight: 2, arbitrary: edgeJump.map((x) => [x]) },
      { weight: 1, arbitrary: slotLoop },
    ),
    { minLength: 2, maxLength: 20 },
  )
  .map((chunks) => chunks.flat())
  .map((items) => {
    const tailItems: Item[] = [];
    for (let r = 2; r <= 9; r++) tailItems.push({ insn: makeInsn(BPF_STX | BPF_MEM | BPF_DW, 1, r, 8 * (r - 2)) });
    tailItems.push({ insn: makeInsn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0) });
    for (let r = 2; r <= 9; r++) tailItems.push({ insn: makeInsn(BPF_ALU64 | BPF_ADD | BPF_X, 0, r) });
    return layout([...items, ...tailItems]);
  });

describe("range facts never change a result", () => {
  it("programs near the facts' edges: the trusted JIT with range facts agrees with the interpreter", () => {
    let finished = 0;
    fc.assert(
      fc.property(edgeProgram, memBytes, (insns, mem) => {
        const a = observe(insns, mem, false);
        fc.pre(a.out.startsWith("r0"));
        finished++;
        expect(observe(insns, mem, true)).toEqual(a);
      }),
      { numRuns: runs(200), seed: 20261208 },
    );
    expect(finished).toBeGreaterThan((runs(200) * 5) / 8);
  });

  it("random programs the interpreter finishes: the trusted JIT with range facts agrees", () => {
    let finished = 0;
    let claimed = 0;
    fc.assert(
      fc.property(program, memBytes, (insns, mem) => {
        const a = observe(insns, mem, false);
        fc.pre(a.out.startsWith("r0"));
        finished++;
        const facts = jitFactsFromVerifier(insns, [], false);
        if (facts.insns!.some((f) => (f?.u32Regs ?? 0) !== 0)) claimed++;
        expect(observe(insns, mem, true)).toEqual(a);
      }),
      { numRuns: runs(100), seed: 20261207 },
    );
    // The generator must produce finished runs, and the facts must claim something on most.
    expect(finished).toBeGreaterThan(runs(100) / 3);
    expect(claimed).toBeGreaterThan(finished / 2);
  });
});
