// The interpreter's speed devices against a small independent model: per-run instruction
// counting with the budget trap armed at the exact instruction (every budget from 0 to past the
// end), fused pairs (ldxdw + compare-jump, add + compare-jump, mov + mov) including jumps that
// land on a pair's second half, and the one-entry region cache of ldxdw.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VmTrap } from "../../../src/errors.js";
import { assemble } from "../../../src/vm/asm/assembler.js";
import { Interpreter } from "../../../src/vm/interpreter.js";
import { compileJit } from "../../../src/vm/jit/jit.js";
import {
  BPF_ADD,
  BPF_ALU64,
  BPF_DW,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLT,
  BPF_JNE,
  BPF_K,
  BPF_LDX,
  BPF_MEM,
  BPF_MOV,
  BPF_X,
  OP_EXIT,
  OP_JA,
  decode,
  opCode,
  opSource,
  type Insn,
} from "../../../src/vm/isa.js";
import { AddressSpace } from "../../../src/vm/memory.js";
import { runs } from "../../support/runs.js";

const LEAST_LOADED = `mov %r0, 0
ldxdw %r3, [%r1]
mov %r4, 1
add %r1, 8
loop:
ldxdw %r5, [%r1]
jge %r5, %r3, next
mov %r3, %r5
mov %r0, %r4
next:
add %r1, 8
add %r4, 1
jne %r4, 16, loop
exit`;

/** Lands on the second half of every fused pair; mixes signed/unsigned and K/X compares. */
const LANDINGS = `mov %r6, 0
mov %r7, 3
ja second
first:
ldxdw %r2, [%r1+8]
second:
jgt %r2, %r7, bump
add %r6, 1
third:
jlt %r6, 5, first
mov %r8, %r6
fourth:
mov %r0, %r8
ldxdw %r3, [%r1]
jeq %r3, %r2, out
add %r0, 100
out:
exit
bump:
mov %r7, %r2
mov %r8, 7
ja fourth`;

interface Outcome {
  readonly r0?: string;
  readonly trap?: string;
  readonly insn?: number | undefined;
  readonly executed: number;
}

function run(src: string, mem: Uint8Array, budget: number): Outcome {
  const space = new AddressSpace();
  const region = space.add("mem", mem.slice(), true);
  const vm = new Interpreter(decode(assemble(src)), { mem: space, helpers: new Map(), budget });
  try {
    const lo = vm.run(region.id, 0, mem.length);
    return { r0: `${vm.r0hi}:${lo}`, executed: vm.executed };
  } catch (e) {
    if (!(e instanceof VmTrap)) throw e;
    const loc = e.location;
    return { trap: e.code, insn: loc !== undefined && "insn" in loc ? loc.insn : undefined, executed: vm.executed };
  }
}

/**
 * Model: executes the same subset one instruction at a time with BigInt registers and returns
 * the slot trace and r0 (mov, add K, ldxdw, ja, jeq/jne/jgt/jge/jlt/jle K/X, exit).
 */
function model(src: string, mem: Uint8Array): { trace: number[]; r0: bigint } {
  const insns: Insn[] = decode(assemble(src));
  const view = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
  const R: bigint[] = Array.from({ length: 11 }, () => 0n);
  R[1] = 0n; // offset into mem (the model addresses mem directly)
  R[2] = BigInt(mem.length); // as the interpreter's r2
  const trace: number[] = [];
  const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
  for (let pc = 0; ;) {
    trace.push(pc);
    const i = insns[pc]!;
    const k = u64(BigInt(i.imm));
    const op = i.opcode;
    const src2 = opSource(op) === BPF_X ? R[i.src]! : k;
    if (op === (BPF_ALU64 | BPF_MOV | BPF_K) || op === (BPF_ALU64 | BPF_MOV | BPF_X)) {
      R[i.dst] = src2;
      pc++;
    } else if (op === (BPF_ALU64 | BPF_ADD | BPF_K)) {
      R[i.dst] = u64(R[i.dst]! + k);
      pc++;
    } else if (op === (BPF_LDX | BPF_MEM | BPF_DW)) {
      R[i.dst] = view.getBigUint64(Number(R[i.src]!) + i.off, true);
      pc++;
    } else if (op === OP_JA) pc += 1 + i.off;
    else if (op === OP_EXIT) return { trace, r0: R[0]! };
    else {
      const a = R[i.dst]!;
      const jmp = opCode(op);
      const t =
        jmp === BPF_JEQ
          ? a === src2
          : jmp === BPF_JNE
            ? a !== src2
            : jmp === BPF_JGT
              ? a > src2
              : jmp === BPF_JGE
                ? a >= src2
                : jmp === BPF_JLT
                  ? a < src2
                  : a <= src2;
      pc += 1 + (t ? i.off : 0);
    }
  }
}

function counters(values: readonly bigint[]): Uint8Array {
  const b = new Uint8Array(values.length * 8);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setBigUint64(8 * i, x, true));
  return b;
}

const MEM = counters([900n, 850n, 870n, 700n, 720n, 910n, 650n, 800n, 660n, 990n, 640n, 700n, 705n, 880n, 1000n, 645n]);
const MEM2 = counters([(1n << 40n) + 5n, 2n, 9n, 9n]);

describe("budget counted per run, trapped at the exact instruction", () => {
  for (const [name, src, mem] of [
    ["least_loaded", LEAST_LOADED, MEM],
    ["fused-pair landings", LANDINGS, MEM2],
  ] as const) {
    it(`${name}: every budget from 0 to the full run`, () => {
      const { trace, r0 } = model(src, mem);
      for (let budget = 0; budget <= trace.length + 1; budget++) {
        const got = run(src, mem, budget);
        const want: Outcome =
          budget >= trace.length
            ? { r0: `${Number(r0 >> 32n)}:${Number(r0 & 0xffffffffn)}`, executed: trace.length }
            : { trap: "vm.budget", insn: trace[budget]!, executed: budget };
        expect({ budget, ...got }).toEqual({ budget, ...want });
      }
    });
  }

  it("a run after a budget trap starts clean (the armed trap is undone)", () => {
    const space = new AddressSpace();
    const region = space.add("mem", MEM.slice(), true);
    const vm = new Interpreter(decode(assemble(LEAST_LOADED)), { mem: space, helpers: new Map(), budget: 40 });
    expect(() => vm.run(region.id, 0, 128)).toThrow("instruction budget of 40 exhausted");
    const big = new Interpreter(decode(assemble(LEAST_LOADED)), { mem: space, helpers: new Map() });
    expect(big.run(region.id, 0, 128)).toBe(10);
    // Same engine again: still traps at the same place, with the same count.
    expect(() => vm.run(region.id, 0, 128)).toThrow("instruction budget of 40 exhausted");
    expect(vm.executed).toBe(40);
  });
});

describe("budget across local calls and returns (JIT as the oracle)", () => {
  const CALLS = `mov %r6, 0
loop:
call local f
add %r6, 1
jlt %r6, 3, loop
mov %r0, %r6
exit
f:
mov %r0, 1
call local g
add %r0, 2
exit
g:
mov %r1, 5
exit`;
  it("every budget traps at the same instruction with the same count", () => {
    const insns = decode(assemble(CALLS));
    const outcome = (engine: { run(a: number, b: number, c: number): number; executed: number }): string => {
      try {
        return `r0=${engine.run(0, 0, 0)} executed=${engine.executed}`;
      } catch (e) {
        if (!(e instanceof VmTrap)) throw e;
        return `${e.code} at ${JSON.stringify(e.location)} executed=${engine.executed}`;
      }
    };
    for (let budget = 0; budget <= 40; budget++) {
      const interp = outcome(new Interpreter(insns, { mem: new AddressSpace(), helpers: new Map(), budget }));
      const jit = outcome(compileJit(insns, { mem: new AddressSpace(), helpers: new Map(), budget }));
      expect({ budget, interp }).toEqual({ budget, interp: jit });
    }
  });
});

describe("fused pairs agree with the model on random data", () => {
  const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
  const near = fc.oneof(
    u64,
    fc.bigInt({ min: 0n, max: 20n }),
    fc.bigInt({ min: (1n << 32n) - 3n, max: (1n << 32n) + 3n }),
  );
  it("least_loaded over 16 arbitrary u64 counters (high halves decide, ties keep the first)", () => {
    fc.assert(
      fc.property(fc.array(near, { minLength: 16, maxLength: 16 }), (vals) => {
        const mem = counters(vals);
        const { trace, r0 } = model(LEAST_LOADED, mem);
        expect(run(LEAST_LOADED, mem, 1_000_000)).toEqual({ r0: `0:${Number(r0)}`, executed: trace.length });
      }),
      { numRuns: runs(300) },
    );
  });
  it("landing program over arbitrary values", () => {
    fc.assert(
      fc.property(fc.array(near, { minLength: 4, maxLength: 4 }), (vals) => {
        const mem = counters(vals);
        const { trace, r0 } = model(LANDINGS, mem);
        expect(run(LANDINGS, mem, 1_000_000)).toEqual({
          r0: `${Number(r0 >> 32n)}:${Number(r0 & 0xffffffffn)}`,
          executed: trace.length,
        });
      }),
      { numRuns: runs(300) },
    );
  });
});

describe("ldxdw region cache", () => {
  it("a load past the end of the cached region still traps with the full message", () => {
    const src = "ldxdw %r2, [%r1]\nldxdw %r3, [%r1+124]\nexit";
    expect(run(src, new Uint8Array(128), 100)).toMatchObject({ trap: "vm.out-of-bounds", insn: 1 });
  });
  it("switching between two regions reads each one", () => {
    const src =
      "lddw %r3, 0x200000000\nstdw [%r3], 7\nldxdw %r0, [%r1]\nldxdw %r4, [%r3]\nadd %r0, %r4\nldxdw %r4, [%r1+8]\nadd %r0, %r4\nexit";
    // Region 1 = mem (counters 900, 850), region 2 = the stack.
    expect(run(src, MEM, 100)).toEqual({ r0: "0:1757", executed: 8 });
  });
});

describe("a callee's frame reads as zero on both engines", () => {
  // f writes its frame, g (called next at the same depth) reads the same bytes without writing
  // them: zero, whatever f left, on every run and at every depth the pair is called from.
  const FRAMES = `mov %r6, 0
mov %r7, 0
loop:
call local f
call local g
add %r7, %r0
add %r6, 1
jlt %r6, 3, loop
stdw [%r10-8], 9
call local nested
add %r7, %r0
mov %r0, %r7
exit
f:
stdw [%r10-8], 77
stdw [%r10-512], 5
mov %r0, 0
exit
g:
ldxdw %r0, [%r10-8]
ldxdw %r1, [%r10-512]
add %r0, %r1
exit
nested:
call local f
call local g
exit`;
  it.each(["interp", "jit"] as const)("%s", (kind) => {
    const insns = decode(assemble(FRAMES));
    const opts = { mem: new AddressSpace(), helpers: new Map() };
    const engine = kind === "interp" ? new Interpreter(insns, opts) : compileJit(insns, opts);
    for (let run = 0; run < 3; run++) expect(engine.run(0, 0, 0)).toBe(0);
  });
});

describe("loads and stores through the region caches", () => {
  // Alternating regions, a narrow access at a region's last bytes, a read-only region: the
  // caches must never serve a region they do not hold, nor let a store into a read-only one.
  const prog = (roId: number, last: string): string => `lddw %r2, 0x${roId.toString(16)}00000000
ldxb %r3, [%r1+15]
ldxw %r4, [%r2+0]
ldxh %r5, [%r1+14]
add %r3, %r4
add %r3, %r5
stb [%r1+15], 1
ldxb %r5, [%r1+15]
add %r3, %r5
ldxb %r5, [%r2+3]
add %r3, %r5
${last}
mov %r0, %r3
exit`;
  const setup = (kind: "interp" | "jit", last: string): { run: () => number } => {
    const mem = new AddressSpace();
    const rw = mem.add(
      "rw",
      Uint8Array.from({ length: 16 }, (_, i) => i + 1),
      true,
    );
    const ro = mem.add("ro", Uint8Array.of(3, 0, 0, 4), false);
    const insns = decode(assemble(prog(ro.id, last)));
    const opts = { mem, helpers: new Map() };
    const engine = kind === "interp" ? new Interpreter(insns, opts) : compileJit(insns, opts);
    return { run: () => engine.run(rw.id, 0, 16) };
  };
  it.each(["interp", "jit"] as const)("%s: the values of each region", (kind) => {
    // rw[15] + ro's word (3, 0, 0, 4 little-endian) + rw[14..15] + the stored 1 + ro[3].
    expect(setup(kind, "").run()).toBe(16 + 0x04000003 + (15 | (16 << 8)) + 1 + 4);
  });
  it.each(["interp", "jit"] as const)("%s: a store into the read-only region after reads of it traps", (kind) => {
    expect(() => setup(kind, "stw [%r2+0], 7").run()).toThrow(/read-only/);
  });
  it.each(["interp", "jit"] as const)(
    "%s: a 2-byte read one byte past the end traps after 1-byte reads there",
    (kind) => {
      expect(() => setup(kind, "ldxh %r5, [%r1+15]").run()).toThrow(/outside every region/);
    },
  );
});

describe("an emptied region cache never matches an address", () => {
  // After a helper call empties the caches, a pointer whose high half is 0xffffffff (here the
  // input pointer negated) must still trap, not hit a cache entry left behind.
  it.each(["interp", "jit"] as const)("%s: high half -1 after a helper call traps", (kind) => {
    const insns = decode(assemble("ldxb %r0, [%r1]\nstb [%r1], 1\ncall 1\nneg %r1\nldxb %r0, [%r1]\nexit"));
    const mem = new AddressSpace();
    const region = mem.add("mem", new Uint8Array(64), true);
    const opts = { mem, helpers: new Map([[1, () => undefined]]) };
    const engine = kind === "interp" ? new Interpreter(insns, opts) : compileJit(insns, opts);
    expect(() => engine.run(region.id, 0, 64)).toThrow(/read of 1 byte at 0xffffffff00000000 is outside every region/);
  });
});
