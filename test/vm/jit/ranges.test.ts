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
import { lowRanges, narrowRegisters, registerRanges } from "../../../src/vm/jit/ranges.js";
import { jitFactsFromVerifier } from "../../../src/vm/jit/verifier-facts.js";
import { AddressSpace, MAX_REGION_SIZE } from "../../../src/vm/memory.js";
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

  it("a counter stepping by one to an != exit stays below the bound at the loop head", () => {
    const p = asm(["mov %r1, 0", "lp:", "add %r1, 1", "jne %r1, 16, lp", "exit"]);
    expect(rangeAt(p, 1, 1)).toEqual([0, 15]);
    expect(rangeAt(p, 3, 1)).toEqual([16, 16]);
    // Counting down to 0 the same way.
    const q = asm(["mov %r1, 16", "lp:", "sub %r1, 1", "jne %r1, 0, lp", "exit"]);
    expect(rangeAt(q, 1, 1)).toEqual([1, 16]);
    // The bound in a 32-bit compare, the counter in a register compared by value.
    const w = asm(["mov %r1, 3", "lp:", "add %r1, 1", "jne32 %r1, 100, lp", "exit"]);
    expect(rangeAt(w, 1, 1)).toEqual([3, 99]);
  });

  it("a counter compared with a register that holds the bound", () => {
    const p = asm(["mov %r2, 16", "mov %r1, 0", "lp:", "add %r1, 1", "jne %r1, %r2, lp", "exit"]);
    expect(rangeAt(p, 2, 1)).toEqual([0, 15]);
    // The bound register changed on one path: no constant to stop at.
    const q = asm([
      "ldxdw %r5, [%r1]",
      "mov %r2, 16",
      "jeq %r5, 0, go",
      "ldxdw %r2, [%r1+8]",
      "go:",
      "mov %r1, 0",
      "lp:",
      "add %r1, 1",
      "jne %r1, %r2, lp",
      "exit",
    ]);
    expect(rangeAt(q, 5, 1)![1]).toBe(Infinity);
  });

  it("a counter that can step over its != bound, or start past it, is not bounded", () => {
    // Steps of 2 from 0 never equal 15.
    const skip = asm(["mov %r1, 0", "lp:", "add %r1, 2", "jne %r1, 15, lp", "exit"]);
    expect(rangeAt(skip, 1, 1)![1]).toBe(Infinity);
    // One path steps by 1, another by 2: from 14, the second passes 16.
    const two = asm([
      "ldxdw %r5, [%r1]",
      "mov %r2, 0",
      "lp:",
      "jgt %r5, 7, one",
      "add %r2, 1",
      "one:",
      "add %r2, 1",
      "jne %r2, 16, lp",
      "mov %r0, %r2",
      "exit",
    ]);
    expect(rangeAt(two, 2, 2)![1]).toBe(Infinity);
    // Starting above the bound: the counter only meets it after wrapping around.
    const past = asm(["mov %r1, 20", "lp:", "add %r1, 1", "jne %r1, 16, lp", "exit"]);
    expect(rangeAt(past, 1, 1)![1]).toBe(Infinity);
    // A wide value put into the counter on one path inside the loop.
    const reset = asm([
      "ldxdw %r5, [%r1]",
      "mov %r2, 0",
      "lp:",
      "jne %r5, 3, keep",
      "lddw %r2, 0x100000000",
      "keep:",
      "add %r2, 1",
      "jne %r2, 16, lp",
      "exit",
    ]);
    expect(rangeAt(reset, 2, 2)![1]).toBe(Infinity);
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

/** [lo, hi] of entry `reg` at slot `pc` of a per-slot register table. */
function registerRangesOf(t: (readonly { lo: number; hi: number }[] | undefined)[], pc: number, reg: number): number[] {
  const r = t[pc]![reg]!;
  return [r.lo, r.hi];
}

/** Registers with a "keeps the high half" fact at each slot, every access taken as proven in bounds (or none). */
function ptrFacts(lines: readonly string[], inBounds = true): number[] {
  const insns = asm(lines);
  return [...narrowRegisters(insns, { inBounds: () => inBounds }).ptr];
}

describe("pointer offsets: an add or sub that cannot carry into the region id", () => {
  it("a pointer stepped right after an access inside its object", () => {
    const f = ptrFacts(["ldxdw %r2, [%r1]", "add %r1, 8", "ldxdw %r2, [%r1+16]", "sub %r1, 4", "exit"]);
    expect(f[1]).toBe(1 << 1);
    expect(f[3]).toBe(1 << 1);
    // Without the verifier's in-bounds facts the offset is unknown.
    expect(ptrFacts(["ldxdw %r2, [%r1]", "add %r1, 8", "exit"], false)[1]).toBe(0);
  });

  it("moves keep the offset; a bounded scalar may be added; the stack pointer is bounded by its accesses", () => {
    const f = ptrFacts([
      "ldxw %r3, [%r1]",
      "mov %r6, %r1",
      "and %r3, 0xff",
      "add %r6, %r3",
      "stxdw [%r10-16], %r3",
      "mov %r2, %r10",
      "add %r2, -16",
      "mov32 %r7, %r1",
      "exit",
    ]);
    expect(f[3]).toBe(1 << 6);
    expect(f[6]).toBe(1 << 2);
    // A 32-bit move of a pointer is its offset; one reached only at a positive offset may be
    // below its object, its low half near 2^32.
    const mov32 = (at: string): number[] => {
      const r = lowRanges(asm([`ldxdw %r2, [%r1${at}]`, "mov32 %r7, %r1", "exit"]), { inBounds: () => true })[2]![7]!;
      return [r.lo, r.hi];
    };
    expect(mov32("")).toEqual([0, MAX_REGION_SIZE - 8]);
    expect(mov32("+8")).toEqual([-(2 ** 31), 2 ** 31 - 1]);
  });

  it("no fact where the offset may leave [0, 2^31): below the object, unbounded, too large, or forgotten", () => {
    // Moved below its object: the access at +0 allows offset 0, and 0 - 8 borrows.
    expect(ptrFacts(["ldxdw %r2, [%r1]", "add %r1, -8", "exit"])[1]).toBe(0);
    expect(ptrFacts(["ldxdw %r2, [%r1+8]", "sub %r1, 8", "exit"])[1]).toBe(0);
    // An access at a positive offset allows a base below its object (its low half borrowed
    // from the id): moving it up by the offset carries back into the id.
    expect(ptrFacts(["ldxdw %r2, [%r1+8]", "add %r1, 8", "exit"])[1]).toBe(0);
    expect(ptrFacts(["add %r1, -8", "ldxb %r2, [%r1+8]", "add %r1, 8", "exit"])[2]).toBe(0);
    // ... unless the access reached below the base.
    expect(ptrFacts(["ldxdw %r2, [%r1-8]", "add %r1, -8", "exit"])[1]).toBe(1 << 1);
    // An addend with no bound, a negative one, one that may pass 2^31.
    expect(ptrFacts(["ldxdw %r2, [%r1]", "ldxdw %r3, [%r1+8]", "add %r1, %r3", "exit"])[2]).toBe(0);
    expect(ptrFacts(["ldxdw %r2, [%r1]", "mov %r3, -1", "add %r1, %r3", "exit"])[2]).toBe(0);
    expect(ptrFacts(["ldxdw %r2, [%r1]", "add %r1, 0x7fffffff", "exit"])[1]).toBe(0);
    // A register operand is unsigned: 0xfffffff8 is no -8 (its high half is 0, the add carries).
    expect(ptrFacts(["ldxdw %r2, [%r1-64]", "mov32 %r3, -8", "add %r1, %r3", "exit"])[2]).toBe(0);
    expect(ptrFacts(["ldxdw %r2, [%r1]", "ldxw %r3, [%r1]", "add %r1, %r3", "exit"])[2]).toBe(0);
    // One path brings a value never accessed through.
    expect(ptrFacts(["ldxdw %r2, [%r1]", "jeq %r2, 0, j", "ldxdw %r1, [%r1+8]", "j:", "add %r1, 8", "exit"])[3]).toBe(
      0,
    );
    // Spilled, then the slot overwritten in part or by a helper, before the fill.
    for (const clobber of ["stxb [%r10-5], %r2", "call 1", "stxdw [%r2], %r2"])
      expect(
        ptrFacts(["ldxdw %r2, [%r1]", "stxdw [%r10-8], %r1", clobber, "ldxdw %r1, [%r10-8]", "add %r1, 8", "exit"])[4],
      ).toBe(0);
    // Helper calls clobber r1-r5; a pointer stepped in a loop without an access grows past any bound.
    expect(ptrFacts(["ldxdw %r2, [%r1]", "call 1", "add %r1, 8", "exit"])[2]).toBe(0);
    const loop = ptrFacts([
      "ldxdw %r2, [%r1]",
      "mov %r3, 0",
      "lp:",
      "add %r1, 8",
      "add %r3, 1",
      "jlt %r3, 100, lp",
      "exit",
    ]);
    expect(loop[2]).toBe(0);
  });

  it("a spilled pointer keeps its offset in the slot; a 32-bit fill of the slot is that offset", () => {
    const f = ptrFacts(["ldxdw %r2, [%r1]", "stxdw [%r10-8], %r1", "ldxdw %r6, [%r10-8]", "add %r6, 8", "exit"]);
    expect(f[3]).toBe(1 << 6);
    const low = lowRanges(asm(["ldxdw %r2, [%r1]", "stxdw [%r10-8], %r1", "ldxw %r6, [%r10-8]", "exit"]), {
      inBounds: (pc) => pc === 0,
    });
    expect(registerRangesOf(low, 3, 6)).toEqual([0, MAX_REGION_SIZE - 8]);
  });

  it("an access's base is known not to lie below its region only when its offset is proven >= 0", () => {
    const base = (lines: readonly string[]): number[] => [
      ...narrowRegisters(asm(lines), { inBounds: () => true }).baseInRegion,
    ];
    expect(base(["ldxdw %r2, [%r1]", "ldxdw %r3, [%r1+8]", "exit"]).slice(0, 2)).toEqual([1, 1]);
    expect(base(["ldxdw %r3, [%r1+8]", "exit"])[0]).toBe(0);
    expect(base(["ldxdw %r2, [%r1]", "add %r1, -8", "ldxb %r3, [%r1+8]", "exit"])[2]).toBe(0);
    expect(base(["stxdw [%r10-8], %r1", "exit"])[0]).toBe(1);
    // Not without the verifier's word that the access is in bounds.
    expect([...narrowRegisters(asm(["ldxdw %r2, [%r1]", "exit"])).baseInRegion][0]).toBe(0);
  });

  it("a pointer walked by a loop with an access each iteration keeps its fact", () => {
    const f = ptrFacts([
      "mov %r4, 0",
      "lp:",
      "ldxdw %r5, [%r1]",
      "add %r1, 8",
      "add %r4, 1",
      "jne %r4, 16, lp",
      "exit",
    ]);
    expect(f[2]).toBe(1 << 1);
    expect(f[3]).toBe(1 << 4);
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
