// JIT ≡ interpreter on random programs (fast-check, generator in gen.ts): each program runs
// twice (the second run sees the stack zeroing) and everything observable must match: r0 or the
// trap (code, message, instruction index), `executed`, all registers and every region's bytes.
// Plus local calls (recursion up to and past the 8-frame limit).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BPF_ADD,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_DW,
  BPF_JMP,
  BPF_JNE,
  BPF_K,
  BPF_LDX,
  BPF_MEM,
  BPF_MOV,
  BPF_PSEUDO_CALL,
  BPF_STX,
  BPF_SUB,
  BPF_X,
  OP_CALL,
  OP_EXIT,
  makeInsn,
  toSlots,
  type Insn,
} from "../../../src/vm/isa.js";
import { controlShapes, observe } from "./equiv-harness.js";
import { memBytes, program } from "./gen.js";
import { runs } from "../../support/runs.js";

describe("JIT ≡ interpreter (fast-check)", () => {
  const outcomes = new Map<string, number>();
  it("random programs: same r0 or trap, executed, registers and memory (checked mode)", () => {
    fc.assert(
      fc.property(program, memBytes, (insns, mem) => {
        const a = observe("interp", insns, { mem });
        const b = observe("jit", insns, { mem });
        expect(b).toEqual(a);
        const o = a[0]!.outcome;
        const kind = o.startsWith("r0") ? "exit" : o.slice(0, o.indexOf(":"));
        outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
      }),
      { numRuns: runs(500), seed: 20261201 },
    );
    // Guard against a generator that only ever traps: both normal exits and traps must be common.
    expect(outcomes.get("exit") ?? 0).toBeGreaterThan(runs(500) / 5);
    // Both code shapes must be exercised: nested scopes and the dispatcher (two-entry loops).
    expect(controlShapes.get("structured") ?? 0).toBeGreaterThan(runs(500) / 5);
    expect(controlShapes.get("dispatch") ?? 0).toBeGreaterThan(runs(500) / 100);
    if (process.env["BATON_JIT_STATS"] !== undefined) console.log(outcomes, controlShapes);
  });

  it("random programs that finish on the interpreter give the same results in trusted mode", () => {
    fc.assert(
      fc.property(program, memBytes, (insns, mem) => {
        const a = observe("interp", insns, { mem, runs: 1 });
        fc.pre(a[0]!.outcome.startsWith("r0"));
        const b = observe("trusted", insns, { mem, runs: 1 });
        expect(b).toEqual(a);
      }),
      { numRuns: runs(200), seed: 7 },
    );
  });

  it("tiny budgets: the budget trap names the same instruction and leaves the same memory", () => {
    fc.assert(
      fc.property(program, memBytes, fc.integer({ min: 0, max: 30 }), (insns, mem, budget) => {
        expect(observe("jit", insns, { mem, budget })).toEqual(observe("interp", insns, { mem, budget }));
      }),
      { numRuns: runs(200), seed: 99 },
    );
  });
});

describe("JIT ≡ interpreter on local calls", () => {
  // main: r6..r9 set, call f, ... ; f recurses `depth` times through itself, writing its stack.
  const localCallProgram = (depth: number): Insn[] =>
    toSlots([
      makeInsn(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, 6),
      makeInsn(BPF_ALU64 | BPF_MOV | BPF_K, 9, 0, 0, 9),
      makeInsn(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, depth),
      makeInsn(OP_CALL, 0, BPF_PSEUDO_CALL, 0, 3), // -> f (slot 7)
      makeInsn(BPF_ALU64 | BPF_ADD | BPF_X, 0, 6),
      makeInsn(BPF_ALU64 | BPF_ADD | BPF_X, 0, 9),
      makeInsn(OP_EXIT),
      // f (slot 7): r6 = 100; [r10-8] += r1; if r1 == 0 return 1; r1 -= 1; call f; r0 += [r10-8]; exit
      makeInsn(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, 100),
      makeInsn(BPF_STX | BPF_ATOMIC | BPF_DW, 10, 1, -8, BPF_ADD),
      makeInsn(BPF_JMP | BPF_JNE | BPF_K, 1, 0, 2, 0),
      makeInsn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1),
      makeInsn(OP_EXIT),
      makeInsn(BPF_ALU64 | BPF_SUB | BPF_K, 1, 0, 0, 1),
      makeInsn(OP_CALL, 0, BPF_PSEUDO_CALL, 0, -7), // -> f
      makeInsn(BPF_LDX | BPF_MEM | BPF_DW, 2, 10, -8),
      makeInsn(BPF_ALU64 | BPF_ADD | BPF_X, 0, 2),
      makeInsn(OP_EXIT),
    ]);
  for (const depth of [0, 1, 3, 6, 7, 8]) {
    it(`recursion depth ${depth}${depth >= 7 ? " (exceeds the 8-frame limit)" : ""}`, () => {
      const insns = localCallProgram(depth);
      const mem = new Uint8Array(64);
      const a = observe("interp", insns, { mem, budget: 10_000 });
      expect(observe("jit", insns, { mem, budget: 10_000 })).toEqual(a);
      if (depth >= 7)
        expect(a[0]!.outcome).toBe('trap vm.call-depth: call depth limit of 8 frames exceeded @{"insn":13}');
      else expect(a[0]!.outcome.startsWith("r0 = ")).toBe(true);
    });
  }
});
