// Traps on the JIT: a table of programs with the exact trap (code, message, instruction index)
// and `executed`, each also checked against the interpreter; plus construction errors.
import { describe, expect, it } from "vitest";
import { BatonError, BytecodeError } from "../../../src/errors.js";
import { assemble } from "../../../src/vm/asm/assembler.js";
import { Interpreter } from "../../../src/vm/interpreter.js";
import {
  BPF_ADD,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_DW,
  BPF_NEG,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_STX,
  BPF_X,
  OP_CALL,
  OP_EXIT,
  OP_JA32,
  OP_LDDW,
  decode,
  makeInsn,
  type Insn,
} from "../../../src/vm/isa.js";
import { compileJit } from "../../../src/vm/jit/jit.js";
import { AddressSpace } from "../../../src/vm/memory.js";
import { testHelpers } from "./equiv-harness.js";

interface Case {
  readonly name: string;
  readonly asm: string;
  readonly trap: string;
  readonly insn: number;
  readonly executed: number;
  readonly budget?: number;
}

// Regions: 1 = mem (16 bytes, rw), 2 = ro (8 bytes, read-only), 3 = stack (4096 bytes).
const REGIONS =
  "valid regions: mem [0x100000000, 0x100000010) rw, ro [0x200000000, 0x200000008) ro, stack [0x300000000, 0x300001000) rw";

const CASES: readonly Case[] = [
  {
    name: "load past the end of mem",
    asm: "ldxw %r0, [%r1+14]\nexit",
    trap: `vm.out-of-bounds: read of 4 bytes at 0x10000000e is outside every region; ${REGIONS}`,
    insn: 0,
    executed: 0,
  },
  {
    name: "store below the stack",
    asm: "mov %r0, 0\nstdw [%r10-4100], 1\nexit",
    trap: `vm.out-of-bounds: write of 8 bytes at 0x2fffffffc is outside every region; ${REGIONS}`,
    insn: 1,
    executed: 0,
  },
  {
    name: "write to a read-only region",
    asm: "lddw %r2, 0x200000000\nstw [%r2+4], 7\nexit",
    trap: `vm.read-only: write of 4 bytes at 0x200000004 is in read-only region ro; ${REGIONS}`,
    insn: 2,
    executed: 0,
  },
  {
    name: "NULL dereference",
    asm: "mov %r1, 0\nldxb %r0, [%r1]\nexit",
    trap: `vm.out-of-bounds: read of 1 byte at 0x0 is outside every region; ${REGIONS}`,
    insn: 1,
    executed: 0,
  },
  {
    name: "all-ones pointer (high half 0xffffffff) on the first access",
    asm: "mov %r1, -1\nldxb %r0, [%r1]\nexit",
    trap: `vm.out-of-bounds: read of 1 byte at 0xffffffffffffffff is outside every region; ${REGIONS}`,
    insn: 1,
    executed: 0,
  },
  {
    name: "budget in a loop",
    asm: "mov %r0, 0\nloop:\nadd %r0, 1\nja loop",
    trap: "vm.budget: instruction budget of 50 exhausted",
    insn: 2,
    executed: 50,
    budget: 50,
  },
  {
    name: "budget in the middle of a block",
    asm: "mov %r0, 0\nloop:\nadd %r0, 1\nadd %r0, 1\nadd %r0, 1\nja loop",
    trap: "vm.budget: instruction budget of 10 exhausted",
    insn: 2,
    executed: 10,
    budget: 10,
  },
  {
    name: "unknown helper",
    asm: "call 77\nexit",
    trap: "vm.unknown-helper: call to helper 77, which is not available here (expected one of: 1, 2, 5)",
    insn: 0,
    executed: 1,
  },
  {
    name: "callx to a non-helper",
    asm: "lddw %r3, 0x100000001\ncall %r3\nexit",
    trap: "vm.bad-callx: callx target r3 = 0x100000001 is not a registered helper id",
    insn: 2,
    executed: 2,
  },
  {
    name: "helper trap located at the call",
    asm: "mov %r1, 0\ncall 2\nexit",
    trap: "test.helper: helper 2 wants a non-zero r1",
    insn: 1,
    executed: 2,
  },
  {
    name: "fell off the end",
    asm: "mov %r0, 1",
    trap: "vm.fell-off: execution ran past the last instruction (0); expected an exit or a jump",
    insn: 0,
    executed: 1,
  },
  {
    name: "jump into an lddw's second slot",
    asm: "ja +1\nlddw %r0, 5\nexit",
    trap: "vm.bad-insn: slot 2 is not an executable instruction",
    insn: 2,
    executed: 1,
  },
  {
    name: "call depth",
    asm: "f:\ncall local f\nexit",
    trap: "vm.call-depth: call depth limit of 8 frames exceeded",
    insn: 0,
    executed: 8,
  },
];

function setup(): { space: AddressSpace; helpers: ReturnType<typeof testHelpers> } {
  const space = new AddressSpace();
  space.add("mem", new Uint8Array(16), true);
  space.add("ro", new Uint8Array(8), false);
  return { space, helpers: testHelpers() };
}

function runOn(
  kind: "interp" | "jit",
  insns: readonly Insn[],
  budget: number,
): { trap: string; insn: number | undefined; executed: number } {
  const { space, helpers } = setup();
  const opts = { mem: space, helpers, budget };
  const engine = kind === "interp" ? new Interpreter(insns, opts) : compileJit(insns, opts);
  try {
    engine.run(1, 0, 16);
    return { trap: "", insn: undefined, executed: engine.executed };
  } catch (e) {
    if (!(e instanceof BatonError)) throw e;
    const loc = e.location;
    return {
      trap: `${e.code}: ${e.message}`,
      insn: loc !== undefined && "insn" in loc ? loc.insn : undefined,
      executed: engine.executed,
    };
  }
}

describe("JIT traps match the interpreter exactly", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const insns = decode(assemble(c.asm));
      const got = runOn("jit", insns, c.budget ?? 1000);
      // Memory faults leave `executed` from the previous run (the interpreter does not update it).
      const mem = c.trap.startsWith("vm.out-of-bounds") || c.trap.startsWith("vm.read-only");
      expect({ trap: got.trap, insn: got.insn }).toEqual({ trap: c.trap, insn: c.insn });
      if (!mem) expect(got.executed).toBe(c.executed);
      expect(got).toEqual(runOn("interp", insns, c.budget ?? 1000));
    });
  }

  it("a carry out of offset 0xffffffff lands in the next region, as in the interpreter", () => {
    // r1 = 0x0_ffffffff (+1 = region 1 offset 0); r2 = 0x2_ffffffff (+1 = stack offset 0).
    const insns = decode(
      assemble(
        "lddw %r1, 0xffffffff\nldxb %r0, [%r1+1]\nlddw %r2, 0x2ffffffff\nstb [%r2+1], 3\nldxb %r0, [%r2+1]\nexit",
      ),
    );
    const got = runOn("jit", insns, 100);
    expect(got).toEqual({ trap: "", insn: undefined, executed: 6 });
    expect(got).toEqual(runOn("interp", insns, 100));
  });

  it("bad atomic operation: address checked first, then the operation rejected", () => {
    const insns = [makeInsn(BPF_STX | BPF_ATOMIC | BPF_DW, 10, 1, -8, BPF_ADD | 0x02), makeInsn(OP_EXIT)];
    const got = runOn("jit", insns, 100);
    expect(got.trap).toBe("vm.bad-atomic: atomic operation 0x2 is not valid");
    expect(got).toEqual(runOn("interp", insns, 100));
  });
});

describe("JIT construction errors match the interpreter", () => {
  const cases: ReadonlyArray<readonly [string, readonly Insn[], string]> = [
    [
      "neg with a register source",
      [makeInsn(BPF_ALU64 | BPF_NEG | BPF_X, 0, 1), makeInsn(OP_EXIT)],
      "vm.unsupported: opcode 0x8f cannot be executed (run checkStructure first) @0",
    ],
    [
      "kfunc call",
      [makeInsn(OP_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, 5), makeInsn(OP_EXIT)],
      "vm.unsupported: opcode 0x85 cannot be executed (run checkStructure first) @0",
    ],
    [
      "lddw with a map pseudo source",
      [makeInsn(OP_LDDW, 1, 1, 0, 3), makeInsn(0), makeInsn(OP_EXIT)],
      "vm.lddw-pseudo: lddw with src=1 (a map or function reference) must be resolved by a loader before running; expected src=0 @0",
    ],
  ];
  for (const [name, insns, msg] of cases) {
    it(name, () => {
      const attempt = (f: () => unknown): string => {
        try {
          f();
          return "no error";
        } catch (e) {
          if (!(e instanceof BytecodeError)) throw e;
          const loc = e.location;
          return `${e.code}: ${e.message} @${loc !== undefined && "insn" in loc ? loc.insn : "?"}`;
        }
      };
      const { space, helpers } = setup();
      expect(attempt(() => compileJit(insns, { mem: space, helpers }))).toBe(msg);
      expect(attempt(() => new Interpreter(insns, { mem: new AddressSpace(), helpers }))).toBe(msg);
    });
  }

  it("a non-integer field never reaches the generated source", () => {
    const { space, helpers } = setup();
    const evil = "1; globalThis.pwned = 1" as unknown as number;
    // 32-bit fields are coerced with `| 0` (a string becomes 0); others must pass num().
    const coerced = compileJit([{ opcode: BPF_ALU64, dst: 0, src: 0, off: 0, imm: evil, imm2: 0 }, makeInsn(OP_EXIT)], {
      mem: space,
      helpers,
    });
    coerced.run(0, 0, 0);
    expect(coerced.source).not.toContain("pwned");
    const rejected = (): unknown =>
      compileJit([{ opcode: OP_JA32, dst: 0, src: 0, off: 0, imm: evil, imm2: 0 }, makeInsn(OP_EXIT)], {
        mem: space,
        helpers,
      });
    expect(rejected).toThrow(BytecodeError);
    expect(rejected).toThrow(/instruction field is not an integer/);
    expect((globalThis as Record<string, unknown>)["pwned"]).toBeUndefined();
  });
});
