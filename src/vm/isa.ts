/**
 * The eBPF instruction set (RFC 9669, CPU v1-v4, plus `callx`): the only module that spells
 * opcode numbers. Everything else composes or names them through the constants below.
 *
 * Slot layout (one 64-bit slot, little-endian):
 *
 *   byte 0        byte 1            bytes 2-3      bytes 4-7
 *   +-----------+-----+-----+     +------------+  +------------+
 *   |  opcode   | src | dst |     | off (s16)  |  | imm (s32)  |
 *   +-----------+-----+-----+     +------------+  +------------+
 *                 hi    lo
 *
 * Opcode byte:
 *   ALU/ALU64/JMP/JMP32:  | code (4 bits) | source (1 bit: K=0, X=1) | class (3 bits) |
 *   LD/LDX/ST/STX:        | mode (3 bits) | size (2 bits)            | class (3 bits) |
 *
 * `lddw` (LD|IMM|DW) is the only two-slot instruction; its second slot carries the high
 * 32 bits of the constant in `imm` and must be zero elsewhere. Program counters count slots.
 *
 * Deliberately absent: legacy packet loads (LD|ABS, LD|IND) decode but are reported as
 * unsupported by the structural check, as Baton's program types never allow them.
 */

// ---- class (bits 2..0) ----
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_JMP32 = 0x06;
export const BPF_ALU64 = 0x07;

// ---- size (bits 4..3), load/store classes ----
export const BPF_W = 0x00; // 4 bytes
export const BPF_H = 0x08; // 2 bytes
export const BPF_B = 0x10; // 1 byte
export const BPF_DW = 0x18; // 8 bytes

// ---- mode (bits 7..5), load/store classes ----
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_MEMSX = 0x80;
export const BPF_ATOMIC = 0xc0;

// ---- source (bit 3), ALU and JMP classes ----
export const BPF_K = 0x00; // operand is imm
export const BPF_X = 0x08; // operand is src register

// ---- ALU operation codes (bits 7..4) ----
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30; // off=1: sdiv
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90; // off=1: smod
export const BPF_XOR = 0xa0;
export const BPF_MOV = 0xb0; // off=8/16/32 with X: movsx
export const BPF_ARSH = 0xc0;
export const BPF_END = 0xd0;

// BPF_END source bit: to little-endian (K) or big-endian (X); with ALU64 it is bswap.
export const BPF_TO_LE = 0x00;
export const BPF_TO_BE = 0x08;

// ---- JMP operation codes (bits 7..4) ----
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
export const BPF_JNE = 0x50;
export const BPF_JSGT = 0x60;
export const BPF_JSGE = 0x70;
export const BPF_CALL = 0x80;
export const BPF_EXIT = 0x90;
export const BPF_JLT = 0xa0;
export const BPF_JLE = 0xb0;
export const BPF_JSLT = 0xc0;
export const BPF_JSLE = 0xd0;

// ---- atomic operations (imm of STX|ATOMIC) ----
export const BPF_FETCH = 0x01;
export const BPF_XCHG = 0xe0 | BPF_FETCH;
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;

// ---- pseudo source values ----
/** `call` src: 0 helper, 1 local function, 2 kfunc (BTF id). */
export const BPF_PSEUDO_CALL = 1;
export const BPF_PSEUDO_KFUNC_CALL = 2;
/** `lddw` src values (include/uapi/linux/bpf.h). */
export const BPF_PSEUDO_MAP_FD = 1;
export const BPF_PSEUDO_MAP_VALUE = 2;
export const BPF_PSEUDO_BTF_ID = 3;
export const BPF_PSEUDO_FUNC = 4;
export const BPF_PSEUDO_MAP_IDX = 5;
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;

// ---- composed opcodes used by name elsewhere ----
export const OP_LDDW = BPF_LD | BPF_IMM | BPF_DW; // 0x18
export const OP_CALL = BPF_JMP | BPF_CALL; // 0x85
export const OP_CALLX = BPF_JMP | BPF_CALL | BPF_X; // 0x8d
export const OP_EXIT = BPF_JMP | BPF_EXIT; // 0x95
export const OP_JA = BPF_JMP | BPF_JA; // 0x05
export const OP_JA32 = BPF_JMP32 | BPF_JA; // 0x06 (gotol: target in imm)

// ---- field accessors ----
export const opClass = (op: number): number => op & 0x07;
export const opCode = (op: number): number => op & 0xf0; // ALU/JMP operation
export const opSource = (op: number): number => op & 0x08;
export const opMode = (op: number): number => op & 0xe0;

/**
 * Where control goes from the jump or local call at `pc`: `pc + 1 + off` for jumps, `pc + 1 +
 * imm` for `ja32` (gotol) and `call` to a local function (src = 1); undefined for everything
 * else (exit, helper calls, callx, non-jumps). The one place this formula is written.
 */
export function jumpTarget(insn: Insn, pc: number): number | undefined {
  const op = insn.opcode;
  const cls = op & 0x07;
  if (cls !== BPF_JMP && cls !== BPF_JMP32) return undefined;
  if (op === OP_JA32) return pc + 1 + insn.imm;
  const code = op & 0xf0;
  if (code === BPF_CALL) return op === OP_CALL && insn.src === BPF_PSEUDO_CALL ? pc + 1 + insn.imm : undefined;
  if (code === BPF_EXIT) return undefined;
  return pc + 1 + insn.off;
}

/** Size in bytes of a BPF_W/H/B/DW size field. */
export function sizeBytes(sizeField: number): 1 | 2 | 4 | 8 {
  switch (sizeField) {
    case BPF_B:
      return 1;
    case BPF_H:
      return 2;
    case BPF_W:
      return 4;
    default:
      return 8;
  }
}

/** One decoded slot. `imm2` is the second slot's imm for `lddw` (high 32 bits), else 0. */
export interface Insn {
  readonly opcode: number;
  readonly dst: number;
  readonly src: number;
  /** Signed 16-bit. */
  readonly off: number;
  /** Signed 32-bit. */
  readonly imm: number;
  /** For `lddw` only: the second slot's imm (signed 32-bit); 0 otherwise. */
  readonly imm2: number;
}

export const SLOT_SIZE = 8;

/** The filler stored at the index of an `lddw`'s second slot after decoding. */
export function isWide(insn: Insn): boolean {
  return insn.opcode === OP_LDDW;
}

export function makeInsn(opcode: number, dst = 0, src = 0, off = 0, imm = 0, imm2 = 0): Insn {
  return { opcode, dst, src, off: (off << 16) >> 16, imm: imm | 0, imm2: imm2 | 0 };
}

/**
 * Decode slots into one `Insn` per slot; an `lddw` keeps both halves in its first slot, and its
 * second slot decodes as-is (the structural check verifies it is zero apart from imm).
 * Throws nothing: a length that is not a multiple of 8 is reported by `checkStructure`.
 */
export function decode(bytes: Uint8Array): Insn[] {
  const n = Math.floor(bytes.length / SLOT_SIZE);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const b = i * SLOT_SIZE;
    const opcode = bytes[b]!;
    const regs = bytes[b + 1]!;
    const imm2 = opcode === OP_LDDW && i + 1 < n ? dv.getInt32(b + 12, true) : 0;
    out[i] = {
      opcode,
      dst: regs & 0x0f,
      src: regs >> 4,
      off: dv.getInt16(b + 2, true),
      imm: dv.getInt32(b + 4, true),
      imm2,
    };
  }
  return out;
}

/** Encode one slot into `dv` at byte offset `at`. */
function encodeSlot(
  dv: DataView,
  at: number,
  opcode: number,
  dst: number,
  src: number,
  off: number,
  imm: number,
): void {
  dv.setUint8(at, opcode);
  dv.setUint8(at + 1, ((src & 0xf) << 4) | (dst & 0xf));
  dv.setInt16(at + 2, off, true);
  dv.setInt32(at + 4, imm, true);
}

/**
 * Encode instructions, one per slot as produced by `decode` (the `lddw` second slot included),
 * or as a compact list (`compact = true`) where an `lddw` stands for both of its slots.
 */
export function encode(insns: readonly Insn[], compact = false): Uint8Array {
  let slots = insns.length;
  if (compact) for (const i of insns) if (isWide(i)) slots++;
  const out = new Uint8Array(slots * SLOT_SIZE);
  const dv = new DataView(out.buffer);
  let at = 0;
  for (let k = 0; k < insns.length; k++) {
    const i = insns[k]!;
    encodeSlot(dv, at, i.opcode, i.dst, i.src, i.off, i.imm);
    at += SLOT_SIZE;
    if (compact && isWide(i)) {
      encodeSlot(dv, at, 0, 0, 0, 0, i.imm2);
      at += SLOT_SIZE;
    }
  }
  return out;
}

/** Expand a compact list (one entry per `lddw`) to one entry per slot. */
export function toSlots(insns: readonly Insn[]): Insn[] {
  const out: Insn[] = [];
  for (const i of insns) {
    out.push(i);
    if (isWide(i)) out.push(makeInsn(0, 0, 0, 0, i.imm2));
  }
  return out;
}

// ---- the instruction catalogue ----

/**
 * Every instruction Baton knows, one name each: the name the interpreter, the JIT, the verifier,
 * the assembler and disassembler and `ctx-reads` all switch on. An instruction here is an opcode
 * byte plus the field that completes its meaning where the RFC gives one byte several
 * (`off` for sdiv/smod and movsx, `imm` for the byte-order widths, `src` for call), so
 * `opOf` decodes a slot once and nothing downstream looks at those fields again to know what it
 * is. Jumps without a width in their name are 64-bit; `_K`/`_X` is the operand source.
 *
 * A `const enum`: tsc (the build) and esbuild bundles inline the numbers into every switch;
 * per-file transforms (tsx, vitest) read them from the enum object instead, which is slower but
 * the same. The interpreter keeps a literal copy of the order for that reason (its `H`).
 */
export const enum Op {
  INVALID,
  ADD64_K,
  ADD64_X,
  SUB64_K,
  SUB64_X,
  MUL64_K,
  MUL64_X,
  DIV64_K,
  DIV64_X,
  SDIV64_K,
  SDIV64_X,
  MOD64_K,
  MOD64_X,
  SMOD64_K,
  SMOD64_X,
  OR64_K,
  OR64_X,
  AND64_K,
  AND64_X,
  XOR64_K,
  XOR64_X,
  LSH64_K,
  LSH64_X,
  RSH64_K,
  RSH64_X,
  ARSH64_K,
  ARSH64_X,
  NEG64,
  MOV64_K,
  MOV64_X,
  MOVSX8_64,
  MOVSX16_64,
  MOVSX32_64,
  ADD32_K,
  ADD32_X,
  SUB32_K,
  SUB32_X,
  MUL32_K,
  MUL32_X,
  DIV32_K,
  DIV32_X,
  SDIV32_K,
  SDIV32_X,
  MOD32_K,
  MOD32_X,
  SMOD32_K,
  SMOD32_X,
  OR32_K,
  OR32_X,
  AND32_K,
  AND32_X,
  XOR32_K,
  XOR32_X,
  LSH32_K,
  LSH32_X,
  RSH32_K,
  RSH32_X,
  ARSH32_K,
  ARSH32_X,
  NEG32,
  MOV32_K,
  MOV32_X,
  MOVSX8_32,
  MOVSX16_32,
  LE16,
  LE32,
  LE64,
  BE16,
  BE32,
  BE64,
  BSWAP16,
  BSWAP32,
  BSWAP64,
  JA,
  JA32,
  JEQ_K,
  JEQ_X,
  JNE_K,
  JNE_X,
  JSET_K,
  JSET_X,
  JGT_K,
  JGT_X,
  JGE_K,
  JGE_X,
  JLT_K,
  JLT_X,
  JLE_K,
  JLE_X,
  JSGT_K,
  JSGT_X,
  JSGE_K,
  JSGE_X,
  JSLT_K,
  JSLT_X,
  JSLE_K,
  JSLE_X,
  JEQ32_K,
  JEQ32_X,
  JNE32_K,
  JNE32_X,
  JSET32_K,
  JSET32_X,
  JGT32_K,
  JGT32_X,
  JGE32_K,
  JGE32_X,
  JLT32_K,
  JLT32_X,
  JLE32_K,
  JLE32_X,
  JSGT32_K,
  JSGT32_X,
  JSGE32_K,
  JSGE32_X,
  JSLT32_K,
  JSLT32_X,
  JSLE32_K,
  JSLE32_X,
  /** Helper call (src 0). */
  CALL,
  /** bpf-to-bpf call (src 1), target `pc + 1 + imm`. */
  CALL_LOCAL,
  /** kfunc call (src 2): named so it can be refused by name, never run. */
  CALL_KFUNC,
  CALLX,
  EXIT,
  LDDW,
  LDX_B,
  LDX_H,
  LDX_W,
  LDX_DW,
  LDXS_B,
  LDXS_H,
  LDXS_W,
  ST_B,
  ST_H,
  ST_W,
  ST_DW,
  STX_B,
  STX_H,
  STX_W,
  STX_DW,
  /** STX|ATOMIC; the operation (add, or, fetch, xchg, cmpxchg, ...) is in `imm` (ATOMIC_OPS). */
  ATOMIC32,
  ATOMIC64,
  /** Legacy packet loads: decoded so they can be refused by name, never run. */
  LDABS_B,
  LDABS_H,
  LDABS_W,
  LDIND_B,
  LDIND_H,
  LDIND_W,
}

/** How many `Op` values there are (they are dense from 0). */
export const OP_COUNT = Op.LDIND_W + 1;

export type OpKind =
  | "alu" // ALU/ALU64 binary or unary op
  | "end" // le/be/bswap
  | "jmp" // conditional jump
  | "ja" // unconditional jump (JMP: off; JMP32: imm)
  | "call" // helper/local/kfunc call (src selects)
  | "callx" // call through register (dst)
  | "exit"
  | "lddw"
  | "ldx" // load, zero-extending
  | "ldxsx" // load, sign-extending
  | "st" // store imm
  | "stx" // store register
  | "atomic"
  | "ldabs"; // legacy packet loads (recognised, never supported)

/** What `opOf` decoded, once, for one `Op`. */
export interface OpDesc {
  readonly op: Op;
  /** The `Op` member's name, e.g. "SDIV64_K". */
  readonly name: string;
  /** The opcode byte. */
  readonly opcode: number;
  readonly kind: OpKind;
  /** Instruction class (BPF_LD ... BPF_ALU64). */
  readonly cls: number;
  /** ALU or JMP operation code (BPF_ADD ..., BPF_JEQ ...); 0 for other classes. */
  readonly code: number;
  /** BPF_K or BPF_X for ALU and JMP classes; 0 otherwise. */
  readonly source: number;
  /**
   * Bytes the instruction works on: the access size of a load, store or atomic; 8 or 4 for
   * 64- and 32-bit ALU ops and jumps; 2, 4 or 8 for a byte-order op; the source width of movsx.
   */
  readonly width: 1 | 2 | 4 | 8;
  /** Signed division or modulo, sign-extending move or load, signed comparison. */
  readonly signed: boolean;
  /** The value of `off` (sdiv/smod, movsx), `imm` (byte order) or `src` (call) that selects it. */
  readonly selector: number;
}

/** One row per `Op` except INVALID: its opcode byte and the selector value that picks it. */
type Row = readonly [op: Op, opcode: number, selector: number];

function opRows(): Row[] {
  const rows: Row[] = [];
  // [operation, selector, 64 K, 64 X, 32 K, 32 X]
  const alu: ReadonlyArray<readonly [number, number, Op, Op, Op, Op]> = [
    [BPF_ADD, 0, Op.ADD64_K, Op.ADD64_X, Op.ADD32_K, Op.ADD32_X],
    [BPF_SUB, 0, Op.SUB64_K, Op.SUB64_X, Op.SUB32_K, Op.SUB32_X],
    [BPF_MUL, 0, Op.MUL64_K, Op.MUL64_X, Op.MUL32_K, Op.MUL32_X],
    [BPF_DIV, 0, Op.DIV64_K, Op.DIV64_X, Op.DIV32_K, Op.DIV32_X],
    [BPF_DIV, 1, Op.SDIV64_K, Op.SDIV64_X, Op.SDIV32_K, Op.SDIV32_X],
    [BPF_MOD, 0, Op.MOD64_K, Op.MOD64_X, Op.MOD32_K, Op.MOD32_X],
    [BPF_MOD, 1, Op.SMOD64_K, Op.SMOD64_X, Op.SMOD32_K, Op.SMOD32_X],
    [BPF_OR, 0, Op.OR64_K, Op.OR64_X, Op.OR32_K, Op.OR32_X],
    [BPF_AND, 0, Op.AND64_K, Op.AND64_X, Op.AND32_K, Op.AND32_X],
    [BPF_XOR, 0, Op.XOR64_K, Op.XOR64_X, Op.XOR32_K, Op.XOR32_X],
    [BPF_LSH, 0, Op.LSH64_K, Op.LSH64_X, Op.LSH32_K, Op.LSH32_X],
    [BPF_RSH, 0, Op.RSH64_K, Op.RSH64_X, Op.RSH32_K, Op.RSH32_X],
    [BPF_ARSH, 0, Op.ARSH64_K, Op.ARSH64_X, Op.ARSH32_K, Op.ARSH32_X],
    [BPF_MOV, 0, Op.MOV64_K, Op.MOV64_X, Op.MOV32_K, Op.MOV32_X],
  ];
  for (const [code, sel, k64, x64, k32, x32] of alu) {
    rows.push([k64, BPF_ALU64 | code | BPF_K, sel], [x64, BPF_ALU64 | code | BPF_X, sel]);
    rows.push([k32, BPF_ALU | code | BPF_K, sel], [x32, BPF_ALU | code | BPF_X, sel]);
  }
  rows.push([Op.NEG64, BPF_ALU64 | BPF_NEG | BPF_K, 0], [Op.NEG32, BPF_ALU | BPF_NEG | BPF_K, 0]);
  const movsx64 = BPF_ALU64 | BPF_MOV | BPF_X;
  const movsx32 = BPF_ALU | BPF_MOV | BPF_X;
  rows.push([Op.MOVSX8_64, movsx64, 8], [Op.MOVSX16_64, movsx64, 16], [Op.MOVSX32_64, movsx64, 32]);
  rows.push([Op.MOVSX8_32, movsx32, 8], [Op.MOVSX16_32, movsx32, 16]);
  const le = BPF_ALU | BPF_END | BPF_TO_LE;
  const be = BPF_ALU | BPF_END | BPF_TO_BE;
  const bswap = BPF_ALU64 | BPF_END | BPF_TO_LE;
  rows.push([Op.LE16, le, 16], [Op.LE32, le, 32], [Op.LE64, le, 64]);
  rows.push([Op.BE16, be, 16], [Op.BE32, be, 32], [Op.BE64, be, 64]);
  rows.push([Op.BSWAP16, bswap, 16], [Op.BSWAP32, bswap, 32], [Op.BSWAP64, bswap, 64]);
  const jmp: ReadonlyArray<readonly [number, Op, Op, Op, Op]> = [
    [BPF_JEQ, Op.JEQ_K, Op.JEQ_X, Op.JEQ32_K, Op.JEQ32_X],
    [BPF_JNE, Op.JNE_K, Op.JNE_X, Op.JNE32_K, Op.JNE32_X],
    [BPF_JSET, Op.JSET_K, Op.JSET_X, Op.JSET32_K, Op.JSET32_X],
    [BPF_JGT, Op.JGT_K, Op.JGT_X, Op.JGT32_K, Op.JGT32_X],
    [BPF_JGE, Op.JGE_K, Op.JGE_X, Op.JGE32_K, Op.JGE32_X],
    [BPF_JLT, Op.JLT_K, Op.JLT_X, Op.JLT32_K, Op.JLT32_X],
    [BPF_JLE, Op.JLE_K, Op.JLE_X, Op.JLE32_K, Op.JLE32_X],
    [BPF_JSGT, Op.JSGT_K, Op.JSGT_X, Op.JSGT32_K, Op.JSGT32_X],
    [BPF_JSGE, Op.JSGE_K, Op.JSGE_X, Op.JSGE32_K, Op.JSGE32_X],
    [BPF_JSLT, Op.JSLT_K, Op.JSLT_X, Op.JSLT32_K, Op.JSLT32_X],
    [BPF_JSLE, Op.JSLE_K, Op.JSLE_X, Op.JSLE32_K, Op.JSLE32_X],
  ];
  for (const [code, k64, x64, k32, x32] of jmp) {
    rows.push([k64, BPF_JMP | code | BPF_K, 0], [x64, BPF_JMP | code | BPF_X, 0]);
    rows.push([k32, BPF_JMP32 | code | BPF_K, 0], [x32, BPF_JMP32 | code | BPF_X, 0]);
  }
  rows.push([Op.JA, OP_JA, 0], [Op.JA32, OP_JA32, 0]);
  rows.push([Op.CALL, OP_CALL, 0], [Op.CALL_LOCAL, OP_CALL, BPF_PSEUDO_CALL]);
  rows.push([Op.CALL_KFUNC, OP_CALL, BPF_PSEUDO_KFUNC_CALL], [Op.CALLX, OP_CALLX, 0]);
  rows.push([Op.EXIT, OP_EXIT, 0], [Op.LDDW, OP_LDDW, 0]);
  // [size, ldx, ldxs, st, stx, atomic, ldabs, ldind]
  type MemOps = readonly [number, Op, Op | undefined, Op, Op, Op | undefined, Op | undefined, Op | undefined];
  const mem: readonly MemOps[] = [
    [BPF_B, Op.LDX_B, Op.LDXS_B, Op.ST_B, Op.STX_B, undefined, Op.LDABS_B, Op.LDIND_B],
    [BPF_H, Op.LDX_H, Op.LDXS_H, Op.ST_H, Op.STX_H, undefined, Op.LDABS_H, Op.LDIND_H],
    [BPF_W, Op.LDX_W, Op.LDXS_W, Op.ST_W, Op.STX_W, Op.ATOMIC32, Op.LDABS_W, Op.LDIND_W],
    [BPF_DW, Op.LDX_DW, undefined, Op.ST_DW, Op.STX_DW, Op.ATOMIC64, undefined, undefined],
  ];
  for (const [size, ldx, ldxs, st, stx, atomic, ldabs, ldind] of mem) {
    rows.push([ldx, BPF_LDX | BPF_MEM | size, 0], [st, BPF_ST | BPF_MEM | size, 0], [stx, BPF_STX | BPF_MEM | size, 0]);
    if (ldxs !== undefined) rows.push([ldxs, BPF_LDX | BPF_MEMSX | size, 0]);
    if (atomic !== undefined) rows.push([atomic, BPF_STX | BPF_ATOMIC | size, 0]);
    if (ldabs !== undefined) rows.push([ldabs, BPF_LD | BPF_ABS | size, 0]);
    if (ldind !== undefined) rows.push([ldind, BPF_LD | BPF_IND | size, 0]);
  }
  return rows;
}

const OP_NAMES: readonly string[] = [
  "INVALID",
  "ADD64_K",
  "ADD64_X",
  "SUB64_K",
  "SUB64_X",
  "MUL64_K",
  "MUL64_X",
  "DIV64_K",
  "DIV64_X",
  "SDIV64_K",
  "SDIV64_X",
  "MOD64_K",
  "MOD64_X",
  "SMOD64_K",
  "SMOD64_X",
  "OR64_K",
  "OR64_X",
  "AND64_K",
  "AND64_X",
  "XOR64_K",
  "XOR64_X",
  "LSH64_K",
  "LSH64_X",
  "RSH64_K",
  "RSH64_X",
  "ARSH64_K",
  "ARSH64_X",
  "NEG64",
  "MOV64_K",
  "MOV64_X",
  "MOVSX8_64",
  "MOVSX16_64",
  "MOVSX32_64",
  "ADD32_K",
  "ADD32_X",
  "SUB32_K",
  "SUB32_X",
  "MUL32_K",
  "MUL32_X",
  "DIV32_K",
  "DIV32_X",
  "SDIV32_K",
  "SDIV32_X",
  "MOD32_K",
  "MOD32_X",
  "SMOD32_K",
  "SMOD32_X",
  "OR32_K",
  "OR32_X",
  "AND32_K",
  "AND32_X",
  "XOR32_K",
  "XOR32_X",
  "LSH32_K",
  "LSH32_X",
  "RSH32_K",
  "RSH32_X",
  "ARSH32_K",
  "ARSH32_X",
  "NEG32",
  "MOV32_K",
  "MOV32_X",
  "MOVSX8_32",
  "MOVSX16_32",
  "LE16",
  "LE32",
  "LE64",
  "BE16",
  "BE32",
  "BE64",
  "BSWAP16",
  "BSWAP32",
  "BSWAP64",
  "JA",
  "JA32",
  "JEQ_K",
  "JEQ_X",
  "JNE_K",
  "JNE_X",
  "JSET_K",
  "JSET_X",
  "JGT_K",
  "JGT_X",
  "JGE_K",
  "JGE_X",
  "JLT_K",
  "JLT_X",
  "JLE_K",
  "JLE_X",
  "JSGT_K",
  "JSGT_X",
  "JSGE_K",
  "JSGE_X",
  "JSLT_K",
  "JSLT_X",
  "JSLE_K",
  "JSLE_X",
  "JEQ32_K",
  "JEQ32_X",
  "JNE32_K",
  "JNE32_X",
  "JSET32_K",
  "JSET32_X",
  "JGT32_K",
  "JGT32_X",
  "JGE32_K",
  "JGE32_X",
  "JLT32_K",
  "JLT32_X",
  "JLE32_K",
  "JLE32_X",
  "JSGT32_K",
  "JSGT32_X",
  "JSGE32_K",
  "JSGE32_X",
  "JSLT32_K",
  "JSLT32_X",
  "JSLE32_K",
  "JSLE32_X",
  "CALL",
  "CALL_LOCAL",
  "CALL_KFUNC",
  "CALLX",
  "EXIT",
  "LDDW",
  "LDX_B",
  "LDX_H",
  "LDX_W",
  "LDX_DW",
  "LDXS_B",
  "LDXS_H",
  "LDXS_W",
  "ST_B",
  "ST_H",
  "ST_W",
  "ST_DW",
  "STX_B",
  "STX_H",
  "STX_W",
  "STX_DW",
  "ATOMIC32",
  "ATOMIC64",
  "LDABS_B",
  "LDABS_H",
  "LDABS_W",
  "LDIND_B",
  "LDIND_H",
  "LDIND_W",
];

const SIGNED_JUMPS = new Set([BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE]);

function describe(op: Op, opcode: number, selector: number): OpDesc {
  const cls = opcode & 0x07;
  const aluOrJmp = cls === BPF_ALU || cls === BPF_ALU64 || cls === BPF_JMP || cls === BPF_JMP32;
  const code = aluOrJmp ? opcode & 0xf0 : 0;
  let kind: OpKind;
  let width: 1 | 2 | 4 | 8 = cls === BPF_ALU || cls === BPF_JMP32 ? 4 : 8;
  let signed = false;
  if (cls === BPF_ALU || cls === BPF_ALU64) {
    kind = code === BPF_END ? "end" : "alu";
    if (code === BPF_END) width = (selector / 8) as 2 | 4 | 8;
    else if (code === BPF_MOV && selector !== 0) width = (selector / 8) as 1 | 2 | 4;
    signed = (code === BPF_DIV || code === BPF_MOD || code === BPF_MOV) && selector !== 0;
  } else if (cls === BPF_JMP || cls === BPF_JMP32) {
    if (opcode === OP_CALL) kind = "call";
    else if (opcode === OP_CALLX) kind = "callx";
    else if (opcode === OP_EXIT) kind = "exit";
    else if (code === BPF_JA) kind = "ja";
    else kind = "jmp";
    signed = SIGNED_JUMPS.has(code);
  } else {
    width = sizeBytes(opcode & 0x18);
    const mode = opcode & 0xe0;
    if (opcode === OP_LDDW) kind = "lddw";
    else if (cls === BPF_LD) kind = "ldabs";
    else if (cls === BPF_LDX) kind = mode === BPF_MEMSX ? "ldxsx" : "ldx";
    else if (cls === BPF_ST) kind = "st";
    else kind = mode === BPF_ATOMIC ? "atomic" : "stx";
    signed = kind === "ldxsx";
  }
  const source = aluOrJmp && kind !== "end" ? opcode & 0x08 : 0;
  return { op, name: OP_NAMES[op]!, opcode, kind, cls, code, source, width, signed, selector };
}

// Its fields describe nothing ("alu" is a placeholder): test for Op.INVALID before relying on them.
const INVALID_DESC: OpDesc = {
  op: Op.INVALID,
  name: "INVALID",
  opcode: -1,
  kind: "alu",
  cls: -1,
  code: 0,
  source: 0,
  width: 8,
  signed: false,
  selector: 0,
};

/** Every `Op`'s description, indexed by the `Op`. */
export const OP_DESC: readonly OpDesc[] = ((): OpDesc[] => {
  const out: OpDesc[] = new Array<OpDesc>(OP_COUNT).fill(INVALID_DESC);
  for (const [op, opcode, selector] of opRows()) out[op] = describe(op, opcode, selector);
  return out;
})();

/** Which field completes an opcode byte's meaning, where one byte names several instructions. */
const enum Selector {
  NONE,
  OFF,
  IMM,
  SRC,
}

/** Opcode byte -> the Op it names when its selector field holds no defined value, or INVALID. */
const BY_OPCODE = new Uint8Array(256);
/** Opcode byte -> which field selects among the instructions it names. */
const SELECTOR = new Uint8Array(256);
/** (opcode << 16 | selector) -> Op, for the opcode bytes with a selector. */
const BY_SELECTOR = new Map<number, Op>();
for (const d of OP_DESC) {
  if (d.op === Op.INVALID) continue;
  if (d.kind === "end") SELECTOR[d.opcode] = Selector.IMM;
  else if (d.kind === "call") SELECTOR[d.opcode] = Selector.SRC;
  else if (d.selector !== 0) SELECTOR[d.opcode] = Selector.OFF;
  // The fallback is what the engines have always run for such a slot: the plain form (off 0),
  // the 64-bit byte order, a helper call.
  if (d.kind === "end" ? d.selector === 64 : d.selector === 0) BY_OPCODE[d.opcode] = d.op;
  BY_SELECTOR.set(d.opcode * 65536 + d.selector, d.op);
}

/**
 * The instruction a slot holds: its opcode byte, completed by `off`, `imm` or `src` where the
 * byte alone does not decide (sdiv/smod, movsx, byte-order width, call kind); INVALID for a
 * byte Baton does not know. The other fields are `checkStructure`'s to judge, a selector value
 * the RFC does not define included: such a slot is named as its byte's plain form (off 0,
 * the 64-bit byte order, a helper call).
 */
export function opOf(insn: Insn): Op {
  const opcode = insn.opcode;
  let key: number;
  switch (SELECTOR[opcode] as Selector) {
    case Selector.NONE:
      return BY_OPCODE[opcode] as Op;
    case Selector.OFF:
      key = insn.off;
      break;
    case Selector.IMM:
      key = insn.imm;
      break;
    case Selector.SRC:
      key = insn.src;
      break;
  }
  return BY_SELECTOR.get(opcode * 65536 + key) ?? (BY_OPCODE[opcode] as Op);
}

/**
 * A slot for `op` with its selector field filled in: the opcode byte, plus `off` (sdiv/smod,
 * movsx), `imm` (byte order) or `src` (call kind) as the instruction requires; the other fields
 * are the caller's (the argument for the selecting field is ignored).
 */
export function insnOf(op: Op, dst = 0, src = 0, off = 0, imm = 0, imm2 = 0): Insn {
  const d = OP_DESC[op]!;
  switch (SELECTOR[d.opcode] as Selector) {
    case Selector.OFF:
      return makeInsn(d.opcode, dst, src, d.selector, imm, imm2);
    case Selector.IMM:
      return makeInsn(d.opcode, dst, src, off, d.selector, imm2);
    case Selector.SRC:
      return makeInsn(d.opcode, dst, d.selector, off, imm, imm2);
    case Selector.NONE:
      return makeInsn(d.opcode, dst, src, off, imm, imm2);
  }
}

/** Valid atomic `imm` values and their mnemonic (conformance dialect, without the `32` suffix). */
export const ATOMIC_OPS: ReadonlyMap<number, string> = new Map([
  [BPF_ADD, "add"],
  [BPF_ADD | BPF_FETCH, "fetch add"],
  [BPF_OR, "or"],
  [BPF_OR | BPF_FETCH, "fetch or"],
  [BPF_AND, "and"],
  [BPF_AND | BPF_FETCH, "fetch and"],
  [BPF_XOR, "xor"],
  [BPF_XOR | BPF_FETCH, "fetch xor"],
  [BPF_XCHG, "xchg"],
  [BPF_CMPXCHG, "cmpxchg"],
]);

/** Helper IDs referenced by the VM core itself (the full registry lives in vm/helpers). */
export const HELPER_UNWIND_CONFORMANCE = 5;

export const MAX_STACK = 512;
export const MAX_CALL_DEPTH = 8;
export const NUM_REGS = 11;
export const R10 = 10;
