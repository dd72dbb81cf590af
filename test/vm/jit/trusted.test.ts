// Trusted mode: with facts (hand-written here, as the verifier will produce them) the results
// stay identical to the interpreter; what trusted mode drops is visible in the source; a wrong
// "proof" still ends in a VmTrap, never a raw JS exception.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BatonError, VmTrap } from "../../../src/errors.js";
import { assemble } from "../../../src/vm/asm/assembler.js";
import { Interpreter } from "../../../src/vm/interpreter.js";
import { decode, type Insn } from "../../../src/vm/isa.js";
import type { InsnFacts, JitFacts } from "../../../src/vm/jit/facts.js";
import { compileJit, jitSource, trustedJit } from "../../../src/vm/jit/jit.js";
import { jitFactsFromVerifier } from "../../../src/vm/jit/verifier-facts.js";
import { AddressSpace } from "../../../src/vm/memory.js";
import { runs } from "../../support/runs.js";

const leastLoaded = decode(
  assemble(readFileSync(new URL("../../../examples/least_loaded.s", import.meta.url), "utf8")),
);

/** Facts for least_loaded (see bench/jit.bench.ts): r0/r4 small indexes, r1 a pointer, loads in bounds, loop bounded.
 * */
function llFacts(): JitFacts {
  const insns: InsnFacts[] = [];
  for (let pc = 0; pc < leastLoaded.length; pc++)
    insns.push({
      u31Regs: pc >= 3 ? (1 << 0) | (1 << 4) : 0,
      ptrRegs: pc === 3 || pc === 8 ? 1 << 1 : 0,
      memInBounds: pc === 1 || pc === 4,
    });
  return { insns, loopsBounded: true };
}

function counters(values: readonly bigint[]): Uint8Array {
  const b = new Uint8Array(128);
  const dv = new DataView(b.buffer);
  values.forEach((v, i) => dv.setBigUint64(i * 8, v, true));
  return b;
}

function runBoth(
  insns: readonly Insn[],
  mem: Uint8Array,
  facts: JitFacts,
): { interp: number; jit: number; executed: number } {
  const a = new AddressSpace();
  const ra = a.add("mem", mem.slice(), true);
  const interp = new Interpreter(insns, { mem: a, helpers: new Map() });
  const b = new AddressSpace();
  const rb = b.add("mem", mem.slice(), true);
  const jit = trustedJit(facts)(insns, { mem: b, helpers: new Map() });
  const x = interp.run(ra.id, 0, mem.length);
  const y = jit.run(rb.id, 0, mem.length);
  return { interp: x, jit: y, executed: jit.executed };
}

describe("trusted mode with facts", () => {
  const tables: ReadonlyArray<readonly [string, readonly bigint[]]> = [
    ["all equal: first wins", Array<bigint>(16).fill(5n)],
    ["smallest last", [...Array<bigint>(15).fill(9n), 1n]],
    ["high halves decide", [...Array<bigint>(8).fill(1n << 40n), 1n << 33n, ...Array<bigint>(7).fill(1n << 35n)]],
    ["u64 max values", [...Array<bigint>(15).fill((1n << 64n) - 1n), (1n << 64n) - 2n]],
  ];
  for (const [name, values] of tables) {
    it(`least_loaded: ${name}`, () => {
      const r = runBoth(leastLoaded, counters(values), llFacts());
      expect(r.jit).toBe(r.interp);
      // loopsBounded: the JIT neither checks nor counts instructions.
      expect(r.executed).toBe(-1);
    });
  }

  it("facts remove the carry and high-half work from the source", () => {
    const plain = jitSource(leastLoaded, { mode: "trusted" });
    const withFacts = jitSource(leastLoaded, { mode: "trusted", facts: llFacts() });
    expect(plain).toContain("4294967295"); // carry test of 64-bit add
    expect(withFacts).not.toContain("4294967295");
    expect(withFacts).toContain("r1l = (r1l + 8) | 0;");
    expect(withFacts).not.toContain("budget(");
  });

  it("checked mode ignores facts", () => {
    const checked = jitSource(leastLoaded, { mode: "checked", facts: llFacts() });
    expect(checked).toBe(jitSource(leastLoaded, { mode: "checked" }));
    expect(checked).toContain("R.size");
  });

  it("trusted mode drops the inline bounds checks", () => {
    expect(jitSource(leastLoaded, { mode: "trusted" })).not.toContain("R.size");
  });
});

describe("64-bit unsigned div/mod with both operands below 2^32 (facts)", () => {
  // r1 = mem (8 bytes: two u32 words), r2 = word 0, r3 = word 1; then div/mod r2 by r3 or by K.
  // Facts: r2 and r3 (loaded as u32) are below 2^32 from the loads on, so the JIT computes the
  // 64-bit operation as the 32-bit one; the interpreter does it in full.
  const prog = (op: string): Insn[] =>
    decode(assemble(`ldxw %r2, [%r1]\nldxw %r3, [%r1+4]\n${op}\nmov %r0, %r2\nrsh %r0, 32\nxor %r0, %r2\nexit`));
  const facts = (insns: readonly Insn[]): JitFacts => ({
    insns: insns.map((_, pc) => ({ u32Regs: pc >= 2 ? 0b1100 : 0, memInBounds: pc < 2 })),
    loopsBounded: true,
  });
  const ops = [
    "div %r2, %r3",
    "mod %r2, %r3",
    "div %r2, 7",
    "mod %r2, 7",
    "div %r2, 0",
    "mod %r2, 0",
    "div %r2, 0x7fffffff",
    "mod %r2, 1",
  ];
  it("matches the interpreter (zero divisors, extremes, random words) and calls no udiv64", () => {
    for (const op of ops) {
      const insns = prog(op);
      expect(jitSource(insns, { mode: "trusted", facts: facts(insns) })).not.toContain("udiv64");
      fc.assert(
        fc.property(
          fc
            .constantFrom(0, 1, 7, 0x7fffffff, 0x80000000, 0xffffffff)
            .chain((x) => fc.oneof(fc.constant(x), fc.nat(0xffffffff))),
          fc.constantFrom(0, 1, 3, 0x80000000, 0xffffffff).chain((x) => fc.oneof(fc.constant(x), fc.nat(0xffffffff))),
          (a, b) => {
            const mem = new Uint8Array(8);
            new DataView(mem.buffer).setUint32(0, a, true);
            new DataView(mem.buffer).setUint32(4, b, true);
            const r = runBoth(insns, mem, facts(insns));
            expect([op, r.jit]).toEqual([op, r.interp]);
          },
        ),
        { numRuns: runs(200), seed: 9 },
      );
    }
  });
});

describe("trusted mode on an unverified program", () => {
  it("an out-of-bounds read becomes a VmTrap (vm.trusted-fault), not a raw exception", () => {
    const insns = decode(assemble("ldxdw %r0, [%r1+200]\nexit"));
    const space = new AddressSpace();
    const r = space.add("mem", new Uint8Array(16), true);
    const e = compileJit(insns, { mem: space, helpers: new Map(), mode: "trusted" });
    let caught: unknown;
    try {
      e.run(r.id, 0, 16);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(VmTrap);
    expect((caught as BatonError).code).toBe("vm.trusted-fault");
  });

  it("a NULL dereference becomes a VmTrap too", () => {
    const insns = decode(assemble("mov %r1, 0\nldxb %r0, [%r1]\nexit"));
    const e = compileJit(insns, { mem: new AddressSpace(), helpers: new Map(), mode: "trusted" });
    expect(() => e.run(0, 0, 0)).toThrow(VmTrap);
  });
});

describe("facts from the verifier's per-instruction results", () => {
  // What verify() reports for least_loaded: the two loads hit ctx, in bounds. Register facts
  // come from the JIT's own range analysis, not from the verifier.
  const vf: ReadonlyArray<InsnFacts | undefined> = leastLoaded.map((_, pc) =>
    pc === 1 || pc === 4 ? { memInBounds: true, memRegion: "ctx" as const } : undefined,
  );

  it("register facts hold BEFORE each instruction, on every path", () => {
    const facts = jitFactsFromVerifier(leastLoaded, vf, true);
    const u32 = (pc: number): number => facts.insns![pc]!.u32Regs ?? 0;
    expect(u32(0)).toBe(0); // entry: nothing known
    expect(u32(3) & 0b10001).toBe(0b10001); // r0 = 0 and r4 = 1 before the loop
    // The loop ends on `r4 != 16` and r4 steps by one from 1: at the loop head r4 (and the
    // index r0 copied from it) is in [1, 15] on every path; the counters r3, r5 are not known.
    expect(u32(4) & 0b111011).toBe(0b10001);
    expect(facts.insns![4]!.u31Regs! & 0b10001).toBe(0b10001);
    expect(facts.insns![4]).toMatchObject({ memInBounds: true, memRegion: "ctx", memBaseInRegion: true });
    // r1 steps by 8 right after each load the verifier proved inside the ctx: no carry.
    const ptr = (pc: number): number => facts.insns![pc]!.ptrRegs ?? 0;
    expect(ptr(3) & (1 << 1)).toBe(1 << 1);
    expect(ptr(8) & (1 << 1)).toBe(1 << 1);
    // Without the in-bounds facts nothing bounds r1's offset.
    const bare = jitFactsFromVerifier(leastLoaded, [], true);
    expect(bare.insns!.some((f) => ((f?.ptrRegs ?? 0) & (1 << 1)) !== 0)).toBe(false);
  });

  it("trusted JIT with the derived facts matches the interpreter", () => {
    const facts = jitFactsFromVerifier(leastLoaded, vf, true);
    for (const values of [
      Array<bigint>(16).fill(3n),
      [...Array<bigint>(15).fill(1n << 40n), 7n],
      Array.from({ length: 16 }, (_, i) => BigInt(1000 - i * 3)),
    ]) {
      const r = runBoth(leastLoaded, counters(values), facts);
      expect(r.jit).toBe(r.interp);
    }
  });
});
