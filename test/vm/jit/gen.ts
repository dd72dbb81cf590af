// Random eBPF programs for the JIT tests (fast-check): ALU of every kind, END, lddw, loads,
// stores and atomics on the stack (r10) and the input memory (r1, 64 bytes), conditional and
// unconditional jumps both ways (loops end or exhaust the budget), helper calls and callx.
import fc from "fast-check";
import {
  ATOMIC_OPS,
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_ATOMIC,
  BPF_B,
  BPF_DIV,
  BPF_DW,
  BPF_END,
  BPF_H,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JMP,
  BPF_JMP32,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_K,
  BPF_LDX,
  BPF_LSH,
  BPF_MEM,
  BPF_MEMSX,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RSH,
  BPF_ST,
  BPF_STX,
  BPF_SUB,
  BPF_TO_BE,
  BPF_TO_LE,
  BPF_W,
  BPF_X,
  BPF_XOR,
  OP_CALL,
  OP_CALLX,
  OP_EXIT,
  OP_JA,
  OP_LDDW,
  makeInsn,
  opClass,
  toSlots,
  type Insn,
} from "../../../src/vm/isa.js";

const ALU_CODES = [
  BPF_ADD,
  BPF_SUB,
  BPF_MUL,
  BPF_DIV,
  BPF_OR,
  BPF_AND,
  BPF_LSH,
  BPF_RSH,
  BPF_NEG,
  BPF_MOD,
  BPF_XOR,
  BPF_MOV,
  BPF_ARSH,
];
const JMP_CODES = [
  BPF_JEQ,
  BPF_JGT,
  BPF_JGE,
  BPF_JSET,
  BPF_JNE,
  BPF_JSGT,
  BPF_JSGE,
  BPF_JLT,
  BPF_JLE,
  BPF_JSLT,
  BPF_JSLE,
];
const SIZES = [BPF_B, BPF_H, BPF_W, BPF_DW];
const EDGE_IMMS = [0, 1, -1, 2, 7, 31, 32, 63, 64, -2147483648, 2147483647, 0x7fff, -0x8000, 0x10000, 255];

const imm = fc.oneof(
  fc.constantFrom(...EDGE_IMMS),
  fc.integer({ min: -2147483648, max: 2147483647 }),
  fc.integer({ min: -64, max: 64 }),
);
const dstReg = fc.integer({ min: 0, max: 9 });
const srcReg = fc.integer({ min: 0, max: 10 });

/** A generated item: one instruction, or a jump whose target is resolved once the program length is known. */
export type Item = { readonly insn: Insn } | { readonly jump: Insn; readonly rel: number };

export const alu: fc.Arbitrary<Item> = fc
  .record({
    cls: fc.constantFrom(BPF_ALU, BPF_ALU64),
    code: fc.constantFrom(...ALU_CODES),
    x: fc.boolean(),
    dst: dstReg,
    src: srcReg,
    imm,
    off: fc.constantFrom(0, 0, 1, 8, 16, 32),
  })
  .map(({ cls, code, x, dst, src, imm: k, off }) => {
    const xs = code === BPF_NEG ? BPF_K : x ? BPF_X : BPF_K;
    const o = code === BPF_DIV || code === BPF_MOD ? off & 1 : code === BPF_MOV && xs === BPF_X ? off : 0;
    return { insn: makeInsn(cls | code | xs, dst, xs === BPF_X ? src : 0, o, xs === BPF_X ? 0 : k) };
  });

const end: fc.Arbitrary<Item> = fc
  .record({
    op: fc.constantFrom(BPF_ALU | BPF_END | BPF_TO_LE, BPF_ALU | BPF_END | BPF_TO_BE, BPF_ALU64 | BPF_END | BPF_TO_LE),
    dst: dstReg,
    width: fc.constantFrom(16, 32, 64),
  })
  .map(({ op, dst, width }) => ({ insn: makeInsn(op, dst, 0, 0, width) }));

export const lddw: fc.Arbitrary<Item> = fc
  .record({ dst: dstReg, lo: imm, hi: imm })
  .map(({ dst, lo, hi }) => ({ insn: makeInsn(OP_LDDW, dst, 0, 0, lo, hi) }));

// Memory: base r10 (stack, offsets mostly inside the 512-byte frame) or r1 (input memory, 64 bytes).
// (base, off): mostly inside the stack frame or the 64-byte input, sometimes anywhere.
const memAt = fc.oneof(
  { weight: 4, arbitrary: fc.record({ base: fc.constant(10), off: fc.integer({ min: -512, max: -8 }) }) },
  { weight: 4, arbitrary: fc.record({ base: fc.constant(1), off: fc.integer({ min: 0, max: 56 }) }) },
  { weight: 1, arbitrary: fc.record({ base: fc.constantFrom(1, 2, 10), off: fc.integer({ min: -520, max: 72 }) }) },
);

export const load: fc.Arbitrary<Item> = fc
  .record({ sx: fc.boolean(), size: fc.constantFrom(...SIZES), dst: dstReg, at: memAt })
  .map(({ sx, size, dst, at: { base, off } }) => ({
    insn: makeInsn(BPF_LDX | (sx && size !== BPF_DW ? BPF_MEMSX : BPF_MEM) | size, dst, base, off),
  }));

export const store: fc.Arbitrary<Item> = fc
  .record({ reg: fc.boolean(), size: fc.constantFrom(...SIZES), src: srcReg, at: memAt, imm })
  .map(({ reg, size, src, at: { base, off }, imm: k }) => ({
    insn: reg ? makeInsn(BPF_STX | BPF_MEM | size, base, src, off) : makeInsn(BPF_ST | BPF_MEM | size, base, 0, off, k),
  }));

const atomicOps = [...ATOMIC_OPS.keys()];
const atomic: fc.Arbitrary<Item> = fc
  .record({
    wide: fc.boolean(),
    op: fc.constantFrom(...atomicOps, 0x02),
    src: dstReg,
    base: fc.constantFrom(10, 1),
    off: fc.integer({ min: -64, max: 64 }).map((v) => v & ~3),
  })
  .map(({ wide, op, src, base, off }) => ({
    insn: makeInsn(BPF_STX | BPF_ATOMIC | (wide ? BPF_DW : BPF_W), base, src, off, op),
  }));

const branch: fc.Arbitrary<Item> = fc
  .record({
    cls: fc.constantFrom(BPF_JMP, BPF_JMP32),
    code: fc.constantFrom(...JMP_CODES),
    x: fc.boolean(),
    dst: srcReg,
    src: srcReg,
    imm,
    rel: fc.integer({ min: -6, max: 6 }),
  })
  .map(({ cls, code, x, dst, src, imm: k, rel }) => ({
    jump: makeInsn(cls | code | (x ? BPF_X : BPF_K), dst, x ? src : 0, 0, x ? 0 : k),
    rel,
  }));

const ja: fc.Arbitrary<Item> = fc.integer({ min: -4, max: 4 }).map((rel) => ({ jump: makeInsn(OP_JA), rel }));

const call: fc.Arbitrary<Item> = fc.oneof(
  fc.constantFrom(1, 2, 5, 9).map((id) => ({ insn: makeInsn(OP_CALL, 0, 0, 0, id) })),
  dstReg.map((d) => ({ insn: makeInsn(OP_CALLX, d) })),
);

const item: fc.Arbitrary<Item> = fc.oneof(
  { weight: 8, arbitrary: alu },
  { weight: 1, arbitrary: end },
  { weight: 1, arbitrary: lddw },
  { weight: 3, arbitrary: load },
  { weight: 3, arbitrary: store },
  { weight: 1, arbitrary: atomic },
  { weight: 3, arbitrary: branch },
  { weight: 1, arbitrary: ja },
  { weight: 1, arbitrary: call },
);

/** Lay items out (compact list) and fix jump offsets relative to the next slot; clamp targets into the program. */
export function layout(items: readonly Item[]): Insn[] {
  const list: Insn[] = [];
  const slotOf: number[] = [];
  let slot = 0;
  for (const it of items) {
    slotOf.push(slot);
    slot += "insn" in it && it.insn.opcode === OP_LDDW ? 2 : 1;
  }
  slotOf.push(slot); // the final exit
  items.forEach((it, i) => {
    if ("insn" in it) {
      list.push(it.insn);
      return;
    }
    const target = Math.max(0, Math.min(items.length, i + 1 + it.rel));
    const off = slotOf[target]! - (slotOf[i]! + 1);
    const j = it.jump;
    list.push(makeInsn(j.opcode, j.dst, j.src, off, j.imm));
  });
  list.push(makeInsn(OP_EXIT));
  return toSlots(list);
}

/**
 * A small bounded loop: `mov r9, 0; <body: ALU and stack/memory ops that leave r9 alone>;
 * add r9, 1; jlt r9, N, <body>` (N ≤ 6), so loops that finish normally are common too.
 */
const boundedLoop: fc.Arbitrary<Item[]> = fc
  .record({
    body: fc.array(fc.oneof(alu, load, store), { minLength: 1, maxLength: 6 }),
    n: fc.integer({ min: 1, max: 6 }),
  })
  .map(({ body, n }) => {
    const safe = body.map((it): Item => {
      const i = "insn" in it ? it.insn : it.jump;
      // r9 is the counter; redirect anything that would write it (ALU/load dst) to r8.
      const writesDst = opClass(i.opcode) !== BPF_ST && opClass(i.opcode) !== BPF_STX;
      return { insn: writesDst && i.dst === 9 ? { ...i, dst: 8 } : i };
    });
    return [
      { insn: makeInsn(BPF_ALU64 | BPF_MOV | BPF_K, 9, 0, 0, 0) },
      ...safe,
      { insn: makeInsn(BPF_ALU64 | BPF_ADD | BPF_K, 9, 0, 0, 1) },
      { jump: makeInsn(BPF_JMP | BPF_JLT | BPF_K, 9, 0, 0, n), rel: -(safe.length + 2) },
    ];
  });

export const program = fc
  .array(fc.oneof({ weight: 9, arbitrary: item.map((x) => [x]) }, { weight: 1, arbitrary: boundedLoop }), {
    minLength: 1,
    maxLength: 30,
  })
  .map((chunks) => layout(chunks.flat()));
export const memBytes = fc.uint8Array({ minLength: 64, maxLength: 64 });
