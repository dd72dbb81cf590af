// Run-time traps of the interpreter (exact messages and instruction indexes) and the run-time
// behaviours the conformance corpus touches only lightly: frames, stack reuse, helpers, callx.
import { describe, expect, it } from "vitest";
import { VmTrap } from "../../../src/errors.js";
import type { HelperFn } from "../../../src/vm/helper-abi.js";
import {
  BPF_ADD,
  BPF_ALU64,
  BPF_DW,
  BPF_JMP,
  BPF_JNE,
  BPF_K,
  BPF_LDX,
  BPF_MEM,
  BPF_MOV,
  BPF_ST,
  BPF_STX,
  BPF_W,
  BPF_X,
  BPF_PSEUDO_CALL,
  OP_CALL,
  OP_CALLX,
  OP_EXIT,
  OP_JA,
  encode,
  makeInsn,
  type Insn,
} from "../../../src/vm/isa.js";
import { assemble } from "../../../src/vm/asm/assembler.js";
import { AddressSpace } from "../../../src/vm/memory.js";
import { Interpreter } from "../../../src/vm/interpreter.js";
import { checkStructure } from "../../../src/vm/validate.js";

const mov = (dst: number, imm: number): Insn => makeInsn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
const movx = (dst: number, src: number): Insn => makeInsn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src);
const add = (dst: number, imm: number): Insn => makeInsn(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, imm);
const ldxdw = (dst: number, src: number, off: number): Insn => makeInsn(BPF_LDX | BPF_MEM | BPF_DW, dst, src, off);
const stxdw = (dst: number, src: number, off: number): Insn => makeInsn(BPF_STX | BPF_MEM | BPF_DW, dst, src, off);
const stw = (dst: number, off: number, imm: number): Insn => makeInsn(BPF_ST | BPF_MEM | BPF_W, dst, 0, off, imm);
const call = (id: number): Insn => makeInsn(OP_CALL, 0, 0, 0, id);
const callLocal = (rel: number): Insn => makeInsn(OP_CALL, 0, BPF_PSEUDO_CALL, 0, rel);
const EXIT = makeInsn(OP_EXIT);

interface Setup {
  memBytes?: Uint8Array;
  writable?: boolean;
  helpers?: Map<number, HelperFn>;
  budget?: number;
}

function vm(prog: Insn[], s: Setup = {}): { vm: Interpreter; r1hi: number; len: number } {
  const mem = new AddressSpace();
  let r1hi = 0;
  if (s.memBytes !== undefined) r1hi = mem.add("mem", s.memBytes, s.writable ?? true).id;
  const opts = {
    mem,
    helpers: s.helpers ?? new Map<number, HelperFn>(),
    ...(s.budget !== undefined ? { budget: s.budget } : {}),
  };
  return { vm: new Interpreter(checkStructure(encode(prog)), opts), r1hi, len: s.memBytes?.length ?? 0 };
}

function trap(prog: Insn[], s: Setup = {}): { insn: number | undefined; code: string; message: string } {
  const { vm: v, r1hi, len } = vm(prog, s);
  try {
    v.run(r1hi, 0, len);
  } catch (e) {
    expect(e).toBeInstanceOf(VmTrap);
    const t = e as VmTrap;
    return {
      insn: t.location !== undefined && "insn" in t.location ? t.location.insn : undefined,
      code: t.code,
      message: t.message,
    };
  }
  throw new Error("expected a VmTrap");
}

describe("traps", () => {
  it("read past the end of the input memory", () => {
    expect(trap([ldxdw(0, 1, 124), EXIT], { memBytes: new Uint8Array(128) })).toEqual({
      insn: 0,
      code: "vm.out-of-bounds",
      message:
        "read of 8 bytes at 0x10000007c is outside every region; valid regions: mem [0x100000000, 0x100000080) rw, stack [0x200000000, 0x200001000) rw",
    });
  });
  it("read through a NULL pointer (no memory: r1 = 0)", () => {
    expect(trap([mov(0, 1), makeInsn(BPF_LDX | BPF_MEM | BPF_W, 0, 1, 0), EXIT])).toEqual({
      insn: 1,
      code: "vm.out-of-bounds",
      message: "read of 4 bytes at 0x0 is outside every region; valid regions: stack [0x100000000, 0x100001000) rw",
    });
  });
  it("negative offset below a region borrows into the previous region id", () => {
    const t = trap([ldxdw(0, 1, -8), EXIT], { memBytes: new Uint8Array(8) });
    expect(t.message).toMatch(/^read of 8 bytes at 0xfffffff8 is outside every region/);
  });
  it("stack write below the deepest frame", () => {
    expect(trap([stw(10, -4100, 1), EXIT]).message).toBe(
      "write of 4 bytes at 0xfffffffc is outside every region; valid regions: stack [0x100000000, 0x100001000) rw",
    );
  });
  it("write to a read-only region", () => {
    expect(trap([stw(1, 0, 7), EXIT], { memBytes: new Uint8Array(8), writable: false })).toEqual({
      insn: 0,
      code: "vm.read-only",
      message:
        "write of 4 bytes at 0x100000000 is in read-only region mem; valid regions: mem [0x100000000, 0x100000008) ro, stack [0x200000000, 0x200001000) rw",
    });
  });
  it("instruction budget", () => {
    const t = trap([mov(0, 0), add(0, 1), makeInsn(OP_JA, 0, 0, -2)], { budget: 1000 });
    expect(t).toEqual({ insn: 2, code: "vm.budget", message: "instruction budget of 1000 exhausted" });
  });
  it("default budget is 1,000,000", () => {
    const { vm: v } = vm([makeInsn(OP_JA, 0, 0, -1)]);
    expect(() => v.run(0, 0, 0)).toThrow("instruction budget of 1000000 exhausted");
    expect(v.executed).toBe(1_000_000);
  });
  it("call depth > 8 frames (unbounded recursion)", () => {
    expect(trap([callLocal(-1), EXIT])).toEqual({
      insn: 0,
      code: "vm.call-depth",
      message: "call depth limit of 8 frames exceeded",
    });
  });
  it("7 nested calls (8 frames) are allowed", () => {
    // f_k calls f_{k+1}; the innermost returns 42.
    const prog: Insn[] = [];
    for (let k = 0; k < 7; k++) prog.push(callLocal(1), EXIT);
    prog.push(mov(0, 42), EXIT);
    // Each pair "call +1; exit" calls the next pair.
    const { vm: v } = vm(prog);
    expect(v.run(0, 0, 0)).toBe(42);
  });
  it("unknown helper", () => {
    expect(trap([call(99), EXIT], { helpers: new Map([[1, () => {}]]) })).toEqual({
      insn: 0,
      code: "vm.unknown-helper",
      message: "call to helper 99, which is not available here (expected one of: 1)",
    });
  });
  it("a helper's trap is placed at the call instruction", () => {
    const bad: HelperFn = (_r, m) => {
      throw m.fault(7, 0, 4, false, -1);
    };
    const t = trap([mov(1, 1), call(3), EXIT], { helpers: new Map([[3, bad]]) });
    expect(t.insn).toBe(1);
    expect(t.code).toBe("vm.out-of-bounds");
  });
  it("callx through a register that is not a helper id", () => {
    expect(trap([mov(2, 9), makeInsn(OP_CALLX, 2), EXIT]).message).toBe(
      "callx target r2 = 0x9 is not a registered helper id",
    );
  });
  it("running past the last instruction", () => {
    expect(trap([mov(0, 1)])).toEqual({
      insn: 0,
      code: "vm.fell-off",
      message: "execution ran past the last instruction (0); expected an exit or a jump",
    });
  });
});

describe("run-time behaviour", () => {
  it("local calls get their own zeroed frame and restore r6-r9 and r10", () => {
    const prog = [
      mov(6, 6),
      mov(9, 9),
      stw(10, -8, 77),
      movx(8, 10),
      callLocal(4),
      ldxdw(0, 10, -8), // caller's frame still holds 77
      makeInsn(BPF_JMP | BPF_JNE | BPF_X, 8, 10, 2), // r10 restored
      makeInsn(BPF_ALU64 | BPF_ADD | BPF_X, 0, 6), // + r6 (= 6, restored)
      EXIT,
      // callee: its frame reads as zero; clobbers r6, r9
      ldxdw(0, 10, -8),
      mov(6, 100),
      mov(9, 100),
      EXIT,
    ];
    const { vm: v } = vm(prog);
    expect(v.run(0, 0, 0)).toBe(83);
    expect(v.registers()[9]).toBe(9n);
  });
  it("the stack is zero at the start of every run", () => {
    const prog = [ldxdw(0, 10, -8), stw(10, -8, 5), EXIT];
    const { vm: v } = vm(prog);
    expect(v.run(0, 0, 0)).toBe(0);
    expect(v.run(0, 0, 0)).toBe(0);
  });
  it("helpers read r1-r5 and write r0 through the register file", () => {
    const sum: HelperFn = (r) => {
      r[0] = r[2]! + r[4]!;
      r[1] = 0;
    };
    const { vm: v } = vm([mov(1, 40), mov(2, 2), call(1), EXIT], { helpers: new Map([[1, sum]]) });
    expect(v.run(0, 0, 0)).toBe(42);
    expect(v.executed).toBe(4);
  });
  it("returns r0 as unsigned low half plus r0hi", () => {
    const { vm: v } = vm([mov(0, -2), EXIT]);
    expect(v.run(0, 0, 0)).toBe(0xfffffffe);
    expect(v.r0hi).toBe(0xffffffff);
  });
  it("r1/r2 carry the memory address and length", () => {
    const { vm: v, r1hi } = vm([stxdw(1, 2, 0), ldxdw(0, 1, 0), EXIT], { memBytes: new Uint8Array(16) });
    expect(v.run(r1hi, 0, 16)).toBe(16);
  });
});

describe("stack reuse across runs", () => {
  it("a helper writing through a stack pointer does not leak into the next run", () => {
    // helper 1: *(u32 *)r1 = 0xabcd
    const poke: HelperFn = (r, m) => {
      m.resolve(r[3]!, r[2]!, 4, true, -1).view.setUint32(r[2]!, 0xabcd, true);
      r[0] = 0;
      r[1] = 0;
    };
    const prog = [
      makeInsn(BPF_LDX | BPF_MEM | BPF_W, 0, 10, -4), // r0 = *(u32 *)(r10 - 4): 0 on every run
      movx(6, 0),
      movx(1, 10),
      add(1, -4),
      call(1),
      movx(0, 6),
      EXIT,
    ];
    const { vm: v } = vm(prog, { helpers: new Map([[1, poke]]) });
    expect(v.run(0, 0, 0)).toBe(0);
    expect(v.run(0, 0, 0)).toBe(0);
  });
});

describe("helper ids are never mistaken for the unwind helper", () => {
  it("a helper with id -1 returning 0 does not end the program (no unwind helper set)", () => {
    const insns = checkStructure(assemble("call -1\nmov %r0, 7\nexit"));
    const helpers = new Map([
      [
        -1,
        (R: Uint32Array) => {
          R[0] = 0;
          R[1] = 0;
        },
      ],
    ]);
    expect(new Interpreter(insns, { mem: new AddressSpace(), helpers }).run(0, 0, 0)).toBe(7);
  });
});
