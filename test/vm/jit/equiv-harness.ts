// Runs one program on the interpreter and on the JIT, each in its own identical address space,
// and returns everything observable: r0 (or the trap's code, message and instruction index),
// `executed`, every register (after a normal exit) and the bytes of every region.
import { BatonError, VmTrap } from "../../../src/errors.js";
import { setR0Int, type HelperFn } from "../../../src/vm/helper-abi.js";
import { Interpreter } from "../../../src/vm/interpreter.js";
import type { Insn } from "../../../src/vm/isa.js";
import { compileJit, type JitOptions } from "../../../src/vm/jit/jit.js";
import { AddressSpace } from "../../../src/vm/memory.js";

/** How many JIT compilations used each control-flow shape (the tests check both occur). */
export const controlShapes = new Map<string, number>();

export interface Observed {
  readonly outcome: string;
  readonly executed: number;
  readonly regs: string;
  readonly memory: string;
}

/** Test helpers: 1 = r0 = r1 + r2 (low halves), 2 = trap when r1 is 0, else r0 = -1; 5 unwinds (r0 = r1). */
export function testHelpers(): Map<number, HelperFn> {
  return new Map<number, HelperFn>([
    [1, (regs) => setR0Int(regs, (regs[2]! + regs[4]!) | 0)],
    [
      2,
      (regs) => {
        if (regs[2] === 0 && regs[3] === 0) throw new VmTrap("test.helper", "helper 2 wants a non-zero r1");
        setR0Int(regs, -1);
      },
    ],
    [
      5,
      (regs) => {
        regs[0] = regs[2]!;
        regs[1] = regs[3]!;
      },
    ],
  ]);
}

/** Non-zero bytes as `offset:value` (regions are mostly zero). */
const hex = (b: Uint8Array): string => {
  const parts: string[] = [];
  b.forEach((v, i) => {
    if (v !== 0) parts.push(`${i}:${v}`);
  });
  return parts.join(",");
};

export interface RunSetup {
  readonly mem: Uint8Array;
  readonly budget?: number;
  readonly runs?: number;
  readonly readOnly?: Uint8Array;
}

type Kind = "interp" | "jit" | "trusted";

export function observe(kind: Kind, insns: readonly Insn[], setup: RunSetup): Observed[] {
  const space = new AddressSpace();
  const mem = space.add("mem", setup.mem.slice(), true);
  if (setup.readOnly !== undefined) space.add("ro", setup.readOnly.slice(), false);
  const opts = { mem: space, helpers: testHelpers(), budget: setup.budget ?? 2000, unwindHelper: 5 };
  let engine: { run(a: number, b: number, c: number): number; r0hi: number; executed: number; registers(): bigint[] };
  try {
    if (kind === "interp") engine = new Interpreter(insns, opts);
    else {
      const jit = compileJit(insns, {
        ...opts,
        mode: kind === "trusted" ? "trusted" : "checked",
        exposeRegisters: true,
      } satisfies JitOptions);
      controlShapes.set(jit.control, (controlShapes.get(jit.control) ?? 0) + 1);
      engine = jit;
    }
  } catch (e) {
    if (!(e instanceof BatonError)) throw e;
    return [
      {
        outcome: `construct ${e.code}: ${e.message} @${JSON.stringify(e.location)}`,
        executed: -1,
        regs: "",
        memory: "",
      },
    ];
  }
  const out: Observed[] = [];
  for (let i = 0; i < (setup.runs ?? 2); i++) {
    let outcome: string;
    let regs = "";
    try {
      const lo = engine.run(mem.id, 0, setup.mem.length);
      outcome = `r0 = ${engine.r0hi >>> 0}:${lo >>> 0}`;
      regs = engine.registers().join(",");
    } catch (e) {
      if (!(e instanceof BatonError)) throw e;
      outcome = `trap ${e.code}: ${e.message} @${JSON.stringify(e.location)}`;
    }
    const memory = space.regions.map((r) => (r === undefined ? "" : `${r.name}=${hex(r.bytes)}`)).join(" ");
    out.push({ outcome, executed: engine.executed, regs, memory });
  }
  return out;
}
