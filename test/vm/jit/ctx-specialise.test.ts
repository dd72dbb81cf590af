// Ctx specialisation (trusted mode): the copy compiled on the first run reads the ctx region
// through a constant view. Results stay the interpreter's when r1 moves to another region, when
// the ctx region is rebound, and across the two copies' shared stack; a helper that rebinds ctx
// mid-run ends in a located trap; the copy's text holds only JIT-chosen tokens.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BatonError } from "../../../src/errors.js";
import { assemble } from "../../../src/vm/asm/assembler.js";
import type { HelperFn } from "../../../src/vm/helper-abi.js";
import { Interpreter } from "../../../src/vm/interpreter.js";
import { decode, type Insn } from "../../../src/vm/isa.js";
import type { InsnFacts, JitFacts } from "../../../src/vm/jit/facts.js";
import { compileJit, jitSource } from "../../../src/vm/jit/jit.js";
import { AddressSpace } from "../../../src/vm/memory.js";
import { runs } from "../../support/runs.js";

const leastLoaded = decode(
  assemble(readFileSync(new URL("../../../examples/least_loaded.s", import.meta.url), "utf8")),
);

/** least_loaded's facts as the verifier proves them, with its loads placed in ctx. */
function llFacts(): JitFacts {
  const insns: InsnFacts[] = [];
  for (let pc = 0; pc < leastLoaded.length; pc++) {
    const load = pc === 1 || pc === 4;
    insns.push({
      u31Regs: pc >= 3 ? (1 << 0) | (1 << 4) : 0,
      ptrRegs: pc === 3 || pc === 8 ? 1 << 1 : 0,
      memInBounds: load,
      ...(load ? { memRegion: "ctx" as const } : {}),
    });
  }
  return { insns, loopsBounded: true };
}

function counters(values: readonly bigint[]): Uint8Array {
  const b = new Uint8Array(128);
  const dv = new DataView(b.buffer);
  values.forEach((v, i) => dv.setBigUint64(i * 8, v, true));
  return b;
}

const A = counters(Array.from({ length: 16 }, (_, i) => BigInt(100 - i))); // smallest last: 15
const B = counters(Array.from({ length: 16 }, (_, i) => (i === 6 ? 1n : 1n << 40n))); // 6
const C = counters(Array.from({ length: 16 }, (_, i) => (i === 9 ? 3n : 4n))); // 9

describe("ctx-specialised trusted code", () => {
  it("reads ctx through the constant view (source)", () => {
    const src = jitSource(leastLoaded, { mode: "trusted", facts: llFacts(), ctxSpecialised: true });
    expect(src).toContain("XV.getInt32(o, true)");
    expect(src).toContain("return G(a1h, a1l, a2);");
    expect(src).not.toContain("cv.getInt32");
    expect(jitSource(leastLoaded, { mode: "trusted", facts: llFacts() })).not.toContain("XV");
  });

  const cases: ReadonlyArray<readonly [string, ReadonlyArray<"a" | "b" | "rebind-c" | "rebind-a">, readonly number[]]> =
    [
      ["same region every run", ["a", "a", "a"], [15, 15, 15]],
      ["r1 moves to another region (generic copy) and back", ["a", "b", "a", "b"], [15, 6, 15, 6]],
      ["first run elsewhere specialises there", ["b", "a", "b"], [6, 15, 6]],
      // After a rebind the next run reads the new bytes (C: index 9), then A's again.
      ["ctx rebound between runs", ["a", "rebind-c", "a", "rebind-a", "a"], [15, 9, 15]],
    ];
  // Each case twice: specialised on the first run, and up front (`ctxRegion`, as the
  // sk_reuseport runtime does), where `run` is the copy itself.
  for (const [name, steps, want] of cases)
    for (const eager of [false, true]) {
      it(`${name}${eager ? " (ctxRegion given up front)" : ""}`, () => {
        const mem = new AddressSpace();
        const ra = mem.add("ctx", A.slice(), false);
        const rb = mem.add("other", B.slice(), false);
        const jit = compileJit(leastLoaded, {
          mem,
          helpers: new Map(),
          mode: "trusted",
          facts: llFacts(),
          ...(eager ? { ctxRegion: ra.id } : {}),
        });
        const got: number[] = [];
        for (const s of steps) {
          if (s === "rebind-c") mem.rebind(ra, C.slice());
          else if (s === "rebind-a") mem.rebind(ra, A.slice());
          else got.push(jit.run(s === "a" ? ra.id : rb.id, 0, 128));
        }
        expect(got).toEqual(want);
      });
    }

  it("the generic and specialised copies share the stack's zeroing", () => {
    // r0 = the stack slot's value before this run's store: 0 on every run, in either copy.
    const prog = decode(assemble("ldxdw %r2, [%r1]\nldxdw %r0, [%r10-8]\nstxdw [%r10-8], %r2\nexit"));
    const facts: JitFacts = {
      insns: [
        { memInBounds: true, memRegion: "ctx" },
        { memInBounds: true, memRegion: "stack" },
        { memInBounds: true, memRegion: "stack" },
      ],
      loopsBounded: true,
    };
    const mem = new AddressSpace();
    const ra = mem.add("ctx", A.slice(), false);
    const rb = mem.add("other", B.slice(), false);
    const jit = compileJit(prog, { mem, helpers: new Map(), mode: "trusted", facts });
    const imem = new AddressSpace();
    const ia = imem.add("ctx", A.slice(), false);
    const ib = imem.add("other", B.slice(), false);
    const interp = new Interpreter(prog, { mem: imem, helpers: new Map() });
    for (const which of ["a", "b", "a", "a", "b", "b", "a"] as const) {
      expect(jit.run(which === "a" ? ra.id : rb.id, 0, 128)).toBe(interp.run(which === "a" ? ia.id : ib.id, 0, 128));
    }
  });

  it("a helper that rebinds ctx mid-run stops the specialised copy with a located trap", () => {
    const prog: Insn[] = decode(assemble("mov %r6, %r1\ncall 1\nldxdw %r0, [%r6]\nexit"));
    const mem = new AddressSpace();
    const ra = mem.add("ctx", A.slice(), false);
    let rebind = false;
    const helper: HelperFn = (regs) => {
      if (rebind) mem.rebind(ra, C.slice());
      regs[0] = 0;
      regs[1] = 0;
    };
    const facts: JitFacts = { insns: [{}, {}, { memInBounds: true, memRegion: "ctx" }, {}], loopsBounded: true };
    const jit = compileJit(prog, { mem, helpers: new Map([[1, helper]]), mode: "trusted", facts });
    expect(jit.run(ra.id, 0, 128)).toBe(100);
    rebind = true;
    let caught: unknown;
    try {
      jit.run(ra.id, 0, 128);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(BatonError);
    expect((caught as BatonError).code).toBe("vm.ctx-rebound");
    expect((caught as BatonError).location).toEqual({ insn: 1 });
    // The next run starts on the rebound bytes through the generic copy.
    rebind = false;
    expect(jit.run(ra.id, 0, 128)).toBe(4);
  });
});

describe("ctx-specialised least_loaded matches the interpreter (property)", () => {
  it("random counters, runs alternating between two regions and rebinds", () => {
    const counterList = fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 16, maxLength: 16 });
    const step = fc.oneof(fc.constant<"a" | "b">("a"), fc.constant<"a" | "b">("b"), counterList);
    fc.assert(
      fc.property(counterList, counterList, fc.array(step, { minLength: 1, maxLength: 8 }), (a, b, steps) => {
        const mem = new AddressSpace();
        const imem = new AddressSpace();
        const ra = mem.add("ctx", counters(a), false);
        const rb = mem.add("other", counters(b), false);
        const ia = imem.add("ctx", counters(a), false);
        const ib = imem.add("other", counters(b), false);
        const jit = compileJit(leastLoaded, { mem, helpers: new Map(), mode: "trusted", facts: llFacts() });
        const interp = new Interpreter(leastLoaded, { mem: imem, helpers: new Map() });
        for (const s of steps) {
          if (typeof s !== "string") {
            mem.rebind(ra, counters(s));
            imem.rebind(ia, counters(s));
            continue;
          }
          expect(jit.run(s === "a" ? ra.id : rb.id, 0, 128)).toBe(interp.run(s === "a" ? ia.id : ib.id, 0, 128));
        }
      }),
      { numRuns: runs(150), seed: 17 },
    );
  });
});
