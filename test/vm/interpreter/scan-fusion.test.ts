// Scan loops (`ldxdw d; jcc d, y, +2; mov; mov`, then `add K; add K; jcc K` back; once fused
// whole, now run by the generic pairs) against a BigInt model that runs one instruction at a
// time: every comparison kind, register aliasing, steps and
// offsets that walk out of the region, loops that never end, entries that jump into the middle
// of the loop, and every budget — same r0, same `executed`, same trap and instruction index,
// and the same r0-r9 after a trap as after the model's stop.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VmTrap } from "../../../src/errors.js";
import { assemble } from "../../../src/vm/asm/assembler.js";
import { Interpreter } from "../../../src/vm/interpreter.js";
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
  OP_LDDW,
  decode,
  opCode,
  opSource,
  type Insn,
} from "../../../src/vm/isa.js";
import { AddressSpace } from "../../../src/vm/memory.js";
import { runs } from "../../support/runs.js";

interface Stop {
  readonly end: string;
  readonly insn?: number | undefined;
  readonly executed?: number;
  readonly regs: readonly string[];
}

const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** One instruction at a time (lddw, mov, add K, ldxdw, ja, unsigned/equality jumps, exit). */
function model(insns: readonly Insn[], space: AddressSpace, r1: bigint, budget: number): Stop {
  const R: bigint[] = Array.from({ length: 11 }, () => 0n);
  R[1] = r1;
  R[2] = 128n;
  const regs = (): string[] => R.slice(0, 10).map(hex);
  for (let pc = 0, n = 0; ; n++) {
    if (n === budget) return { end: "vm.budget", insn: pc, executed: budget, regs: regs() };
    const i = insns[pc]!;
    const k = u64(BigInt(i.imm));
    const op = i.opcode;
    const b = opSource(op) === BPF_X ? R[i.src]! : k;
    if (op === (BPF_ALU64 | BPF_MOV | BPF_K) || op === (BPF_ALU64 | BPF_MOV | BPF_X)) {
      R[i.dst] = b;
      pc++;
    } else if (op === (BPF_ALU64 | BPF_ADD | BPF_K)) {
      R[i.dst] = u64(R[i.dst]! + k);
      pc++;
    } else if (op === (BPF_LDX | BPF_MEM | BPF_DW)) {
      const addr = u64(R[i.src]! + BigInt(i.off));
      const r = space.get(Number(addr >> 32n));
      const lo = Number(addr & 0xffffffffn);
      if (r === undefined || lo + 8 > r.size) return { end: "vm.out-of-bounds", insn: pc, regs: regs() };
      R[i.dst] = r.view.getBigUint64(lo, true);
      pc++;
    } else if (op === OP_LDDW) {
      R[i.dst] = (BigInt(i.imm2 >>> 0) << 32n) | BigInt(i.imm >>> 0);
      pc += 2;
    } else if (op === OP_JA) pc += 1 + i.off;
    else if (op === OP_EXIT) return { end: `r0=${hex(R[0]!)}`, executed: n + 1, regs: regs() };
    else {
      const a = R[i.dst]!;
      const j = opCode(op);
      const t =
        j === BPF_JEQ
          ? a === b
          : j === BPF_JNE
            ? a !== b
            : j === BPF_JGT
              ? a > b
              : j === BPF_JGE
                ? a >= b
                : j === BPF_JLT
                  ? a < b
                  : a <= b;
      pc += 1 + (t ? i.off : 0);
    }
  }
}

function interp(insns: readonly Insn[], space: AddressSpace, regionId: number, budget: number): Stop {
  const vm = new Interpreter(insns, { mem: space, helpers: new Map(), budget });
  const regs = (): string[] => vm.registers().slice(0, 10).map(hex);
  try {
    const lo = vm.run(regionId, 0, 128);
    return { end: `r0=${hex((BigInt(vm.r0hi) << 32n) | BigInt(lo))}`, executed: vm.executed, regs: regs() };
  } catch (e) {
    if (!(e instanceof VmTrap)) throw e;
    const loc = e.location;
    const insn = loc !== undefined && "insn" in loc ? loc.insn : undefined;
    // `executed` is defined for budget traps only.
    return e.code === "vm.budget"
      ? { end: e.code, insn, executed: vm.executed, regs: regs() }
      : { end: e.code, insn, regs: regs() };
  }
}

const CMP = ["jgt", "jge", "jlt", "jle", "jeq", "jne"] as const;
const reg = fc.integer({ min: 0, max: 9 }).map((r) => `%r${r}`);
const val = fc.oneof(
  fc.bigInt({ min: 0n, max: 40n }),
  fc.bigInt({ min: (1n << 32n) - 3n, max: (1n << 32n) + 3n }),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
);

/** A scan loop in the fused shape, with a preamble that sets r3-r9 and may jump into the loop. */
const scanProgram = fc
  .record({
    v: reg,
    p: fc.constantFrom("%r1", "%r1", "%r1", "%r6"),
    y: reg,
    m1: reg,
    m2: reg,
    m3: reg,
    m4: reg,
    c: reg,
    sel: fc.constantFrom(...CMP),
    back: fc.constantFrom("jne", "jlt", "jle", "jgt", "jeq"),
    off: fc.constantFrom(0, 8, -8, 3, 120),
    step: fc.constantFrom(8, 8, -8, 16, 4, 0),
    limit: fc.integer({ min: 0, max: 20 }),
    init: fc.array(val, { minLength: 7, maxLength: 7 }),
    entry: fc.constantFrom("loop", "loop", "movs", "tail", "back"),
    // "select": a `ja` before the back edge leaves the select group fused on its own.
    shape: fc.constantFrom("scan", "select"),
  })
  .chain((g) =>
    fc.boolean().map((distinct) =>
      distinct
        ? // The common shape: pointer r1 and counter r4 written only by the adds (once matched by a fusion).
          {
            ...g,
            p: "%r1",
            c: "%r4",
            v: g.v === "%r1" || g.v === "%r4" ? "%r5" : g.v,
            m1: g.m1 === "%r1" || g.m1 === "%r4" ? "%r3" : g.m1,
            m3: g.m3 === "%r1" || g.m3 === "%r4" ? "%r0" : g.m3,
          }
        : g,
    ),
  )
  .map((g) =>
    [
      ...g.init.map((x, i) => `lddw %r${i + 3}, ${x}`),
      "mov %r0, 0",
      "mov %r6, %r1",
      `mov ${g.c}, 1`,
      `ja ${g.entry}`,
      "loop:",
      `ldxdw ${g.v}, [${g.p}${g.off < 0 ? g.off : `+${g.off}`}]`,
      `${g.sel} ${g.v}, ${g.y}, tail`,
      "movs:",
      `mov ${g.m1}, ${g.m2}`,
      `mov ${g.m3}, ${g.m4}`,
      "tail:",
      `add ${g.p}, ${g.step}`,
      `add ${g.c}, 1`,
      ...(g.shape === "select" ? ["ja back"] : []),
      "back:",
      `${g.back} ${g.c}, ${g.limit}, loop`,
      "exit",
    ].join("\n"),
  );

function counters(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n * 8);
  const v = new DataView(b.buffer);
  for (let i = 0; i < n; i++)
    v.setBigUint64(8 * i, BigInt((seed * (i + 7) * 2654435761) % 1000) + (i % 3 === 0 ? 1n << 32n : 0n), true);
  return b;
}

function check(src: string, mem: Uint8Array, budgets: readonly number[]): void {
  const insns = decode(assemble(src));
  const space = new AddressSpace();
  const region = space.add("mem", mem.slice(), true);
  const r1 = BigInt(region.id) << 32n;
  for (const budget of budgets) {
    const want = model(insns, space, r1, budget);
    const got = interp(insns, space, region.id, budget);
    expect({ budget, ...got }).toEqual({ budget, ...want });
  }
}

describe("fused scan loop and compare-and-select against the model", () => {
  it("least_loaded-shaped loops with every comparison kind, all budgets 0-100", () => {
    for (const sel of CMP) {
      for (const back of ["jne", "jlt"]) {
        const src = `mov %r0, 0\nldxdw %r3, [%r1]\nmov %r4, 1\nadd %r1, 8\nloop:\nldxdw %r5, [%r1]\n${sel} %r5, %r3, next\nmov %r3, %r5\nmov %r0, %r4\nnext:\nadd %r1, 8\nadd %r4, 1\n${back} %r4, 16, loop\nexit`;
        check(
          src,
          counters(16, sel.length + back.length),
          Array.from({ length: 101 }, (_, i) => i),
        );
      }
    }
  });

  it("a scan that walks off the end of the region traps at the loop's ldxdw with the model's registers", () => {
    const src =
      "mov %r4, 0\nloop:\nldxdw %r5, [%r1]\njle %r5, %r3, next\nmov %r3, %r5\nmov %r0, %r4\nnext:\nadd %r1, 8\nadd %r4, 1\njne %r4, 99, loop\nexit";
    check(src, counters(16, 5), [1_000_000, 40, 80, 81, 82]);
    const insns = decode(assemble(src));
    const space = new AddressSpace();
    const region = space.add("mem", counters(16, 5), true);
    expect(interp(insns, space, region.id, 1_000_000)).toMatchObject({ end: "vm.out-of-bounds", insn: 1 });
  });

  it("a scan loop that never ends stops at the exact budget, every budget 0-60 and a large one", () => {
    const src =
      "loop:\nldxdw %r5, [%r1]\njgt %r5, %r3, next\nmov %r3, %r5\nmov %r0, %r4\nnext:\nadd %r1, 0\nadd %r4, 1\njne %r4, 0, loop\nexit";
    check(src, counters(16, 3), [...Array.from({ length: 61 }, (_, i) => i), 100_000]);
  });

  it("generated loops: aliasing registers, steps, offsets, entries and budgets", () => {
    fc.assert(
      fc.property(
        scanProgram,
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 4, maxLength: 4 }),
        (src, seed, budgets) => {
          check(src, counters(16, seed), [...budgets, 1_000]);
        },
      ),
      { numRuns: runs(400) },
    );
  });
});
