// Memory programs (`baton run --engine jit`): random programs that Baton's verifier accepts as a
// memory program over their input run on the trusted JIT with the verifier's facts and give
// the interpreter's r0 and the interpreter's memory, on random inputs.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { verify } from "../../../src/verifier/index.js";
import { assemble } from "../../../src/vm/asm/assembler.js";
import { Interpreter } from "../../../src/vm/interpreter.js";
import {
  BPF_ALU64,
  BPF_DW,
  BPF_K,
  BPF_MEM,
  BPF_MOV,
  BPF_ST,
  decode,
  makeInsn,
  type Insn,
} from "../../../src/vm/isa.js";
import { compileJit } from "../../../src/vm/jit/jit.js";
import { jitFactsFromVerifier } from "../../../src/vm/jit/verifier-facts.js";
import { AddressSpace } from "../../../src/vm/memory.js";
import { MEMORY_PROGRAM } from "../../../src/vm/program-type.js";
import { runs } from "../../support/runs.js";
import { memBytes, program } from "./gen.js";

function run(insns: readonly Insn[], input: Uint8Array, engine: "interp" | "trusted"): string {
  const space = new AddressSpace();
  const mem = space.add("mem", input.slice(), true);
  const opts = { mem: space, helpers: new Map() };
  let vm;
  if (engine === "interp") vm = new Interpreter(insns, opts);
  else {
    const r = verify(insns, { type: MEMORY_PROGRAM, attachType: 0, maps: [], memory: input.length });
    vm = compileJit(insns, { ...opts, mode: "trusted", facts: jitFactsFromVerifier(insns, r.facts!, true) });
  }
  const lo = vm.run(mem.id, 0, input.length);
  return `r0=${vm.r0hi >>> 0}:${lo >>> 0} mem=${Buffer.from(mem.bytes).toString("hex")}`;
}

/**
 * The generator's programs with a prelude that gives every register but r1 (the input) and
 * r10 a value and zeroes the 512-byte frame, so that the verifier rejects them for what they
 * do rather than for reading something never written. Jump offsets are unaffected: the
 * prelude only shifts the whole program.
 */
const PRELUDE: Insn[] = [
  ...[0, 2, 3, 4, 5, 6, 7, 8, 9].map((r) => makeInsn(BPF_ALU64 | BPF_MOV | BPF_K, r, 0, 0, r * 7 + 1)),
  ...Array.from({ length: 64 }, (_, k) => makeInsn(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8 * (k + 1), 0)),
];
const verifiable = program.map((insns) => [...PRELUDE, ...insns]);

describe("memory programs on the trusted JIT", () => {
  it("verified programs give the interpreter's r0 and memory", () => {
    let accepted = 0;
    fc.assert(
      fc.property(verifiable, memBytes, memBytes, (insns, first, second) => {
        const r = verify(insns, { type: MEMORY_PROGRAM, attachType: 0, maps: [], memory: first.length });
        if (!r.accepted) return;
        accepted++;
        for (const input of [first, second]) expect(run(insns, input, "trusted")).toBe(run(insns, input, "interp"));
      }),
      { numRuns: runs(100), seed: 20261207 },
    );
    // Enough accepted programs that the property says something.
    console.log(`memory programs: ${accepted} of ${runs(100)} accepted and compared`);
    expect(accepted).toBeGreaterThan(runs(100) / 20);
  });
});

/**
 * Loops over the input as compiled scans are written: a pointer stepped after each access and
 * a counter run to a bound (by `!=`, `<` or `<=`), the shapes whose register facts (the
 * counter below 2^31, the pointer step without a carry) come from the range analysis. Some
 * loops are made so that a fact must NOT be claimed: a counter that steps twice on one path
 * (it can pass an `!=` bound), a wide value on one path into a register used after the loop,
 * a pointer moved below the input before the last access, a stride read from the input, a
 * spilled pointer whose slot another pointer overwrites on one path, a bound register that holds
 * one of two constants.
 */
const MEM = 128;
const scan = fc
  .record({
    start: fc.integer({ min: 0, max: 3 }),
    n: fc.integer({ min: 1, max: 17 }),
    exit: fc.constantFrom("jne", "jlt", "jle"),
    load: fc.constantFrom("ldxb", "ldxh", "ldxw", "ldxdw"),
    step: fc.constantFrom(1, 2, 4, 8),
    // At offset 0 an access shows the pointer is not below the input; above 0 it may be.
    off: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 12 })),
    pre: fc.constantFrom(0, 8, 24),
    twist: fc.constantFrom("none", "none", "bump", "wide", "back", "stride", "park", "spill", "bound"),
    back: fc.integer({ min: 1, max: 40 }),
    k: fc.integer({ min: 0, max: 255 }),
  })
  .map(({ start, n, exit, load, step, off, pre, twist, back, k }) => {
    const end = start + n;
    const body = [`${load} %r5, [%r6+${off}]`];
    if (twist === "bump") body.push(`jgt %r5, ${k}, s`, "add %r4, 1", "s:");
    if (twist === "wide") body.push(`jgt %r5, ${k}, s`, "lddw %r7, 0x100000001", "s:");
    if (twist === "stride") body.push("mov %r8, %r5", "and %r8, 7", "add %r6, %r8");
    // The pointer through a stack slot, kept there, or overwritten by the input's start on one path.
    if (twist === "park") body.push("stxdw [%r10-16], %r6", "mov %r6, 0", "ldxdw %r6, [%r10-16]");
    if (twist === "spill")
      body.push(
        "stxdw [%r10-16], %r6",
        `jgt %r5, ${k}, s`,
        "stxdw [%r10-16], %r1",
        "s:",
        "ldxdw %r6, [%r10-16]",
        // Below the input's start on one path: the sub borrows from the region id there.
        "add %r6, -8",
        "ldxb %r3, [%r6+8]",
        "add %r6, 8",
      );
    // The bound in a register, set to another constant on one path (the input decides).
    const b = exit === "jle" ? end - 1 : end;
    const bound =
      twist === "bound" ? ["ldxb %r9, [%r1+0]", `mov %r2, ${b}`, `jgt %r9, ${k}, t`, `mov %r2, ${b + 1}`, "t:"] : [];
    const at = (d: number): string => (d < 0 ? `${d}` : `+${d}`);
    const after =
      twist === "back" ? [`sub %r6, ${back}`, `ldxb %r7, [%r6${at(back + off - step)}]`] : [`ldxb %r8, [%r6+${off}]`];
    return [
      "mov %r7, 1",
      "mov %r8, 2",
      "mov %r3, 3",
      `mov %r4, ${start}`,
      ...bound,
      "mov %r6, %r1",
      `add %r6, ${pre}`,
      "lp:",
      ...body,
      `add %r6, ${step}`,
      "add %r4, 1",
      `${exit} %r4, ${twist === "bound" ? "%r2" : b}, lp`,
      `sub %r6, ${step}`,
      ...after,
      "mov %r0, %r4",
      "add %r0, %r5",
      "add %r0, %r7",
      "add %r0, %r8",
      "add %r0, %r3",
      "exit",
    ].join("\n");
  });

describe("scans of the input on the trusted JIT", () => {
  it("verified scans give the interpreter's r0 and memory; the pointer and counter facts are claimed", () => {
    let accepted = 0;
    let ptrClaimed = 0;
    let counterClaimed = 0;
    const input = fc.uint8Array({ minLength: MEM, maxLength: MEM });
    fc.assert(
      fc.property(scan, input, input, (src, first, second) => {
        const insns = decode(assemble(src));
        const r = verify(insns, { type: MEMORY_PROGRAM, attachType: 0, maps: [], memory: MEM });
        if (!r.accepted) return;
        accepted++;
        const facts = jitFactsFromVerifier(insns, r.facts!, true).insns!;
        if (facts.some((f) => ((f?.ptrRegs ?? 0) & (1 << 6)) !== 0)) ptrClaimed++;
        const head = insns.findIndex((x, pc) => pc > 0 && x.src === 6 && x.dst === 5);
        if (((facts[head]?.u31Regs ?? 0) & (1 << 4)) !== 0) counterClaimed++;
        for (const mem of [first, second]) expect(run(insns, mem, "trusted")).toBe(run(insns, mem, "interp"));
      }),
      { numRuns: runs(150), seed: 20261208 },
    );
    console.log(
      `scans: ${accepted} of ${runs(150)} accepted, ptr facts in ${ptrClaimed}, counter facts in ${counterClaimed}`,
    );
    expect(accepted).toBeGreaterThan(runs(150) / 4);
    expect(ptrClaimed).toBeGreaterThan(accepted / 3);
    expect(counterClaimed).toBeGreaterThan(accepted / 3);
  });
});
