// Memory programs (`baton run --engine jit`): random programs that Baton's verifier accepts as a
// memory program over their input run on the trusted JIT with the verifier's facts and give
// the interpreter's r0 and the interpreter's memory, on random inputs.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { verify } from "../../../src/verifier/index.js";
import { Interpreter } from "../../../src/vm/interpreter.js";
import { BPF_ALU64, BPF_DW, BPF_K, BPF_MEM, BPF_MOV, BPF_ST, makeInsn, type Insn } from "../../../src/vm/isa.js";
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
