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
export const opSize = (op: number): number => op & 0x18;
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

export const SIZE_SUFFIX: Readonly<Record<number, string>> = {
  [BPF_B]: "b",
  [BPF_H]: "h",
  [BPF_W]: "w",
  [BPF_DW]: "dw",
};

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

// ---- opcode catalogue ----

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

export interface OpInfo {
  readonly opcode: number;
  readonly kind: OpKind;
  /** Conformance-dialect mnemonic without register width suffix logic applied (see asm). */
  readonly name: string;
  /** Access size in bytes for memory operations; 8 for 64-bit ALU/JMP; 4 for 32-bit. */
  readonly width: 1 | 2 | 4 | 8;
}

const ALU_NAMES: ReadonlyArray<readonly [number, string]> = [
  [BPF_ADD, "add"],
  [BPF_SUB, "sub"],
  [BPF_MUL, "mul"],
  [BPF_DIV, "div"],
  [BPF_OR, "or"],
  [BPF_AND, "and"],
  [BPF_LSH, "lsh"],
  [BPF_RSH, "rsh"],
  [BPF_NEG, "neg"],
  [BPF_MOD, "mod"],
  [BPF_XOR, "xor"],
  [BPF_MOV, "mov"],
  [BPF_ARSH, "arsh"],
];

const JMP_NAMES: ReadonlyArray<readonly [number, string]> = [
  [BPF_JEQ, "jeq"],
  [BPF_JGT, "jgt"],
  [BPF_JGE, "jge"],
  [BPF_JSET, "jset"],
  [BPF_JNE, "jne"],
  [BPF_JSGT, "jsgt"],
  [BPF_JSGE, "jsge"],
  [BPF_JLT, "jlt"],
  [BPF_JLE, "jle"],
  [BPF_JSLT, "jslt"],
  [BPF_JSLE, "jsle"],
];

function buildCatalogue(): Map<number, OpInfo> {
  const m = new Map<number, OpInfo>();
  const add = (opcode: number, kind: OpKind, name: string, width: 1 | 2 | 4 | 8): void => {
    m.set(opcode, { opcode, kind, name, width });
  };
  for (const [code, name] of ALU_NAMES) {
    add(BPF_ALU64 | code | BPF_K, "alu", name, 8);
    add(BPF_ALU | code | BPF_K, "alu", `${name}32`, 4);
    if (code !== BPF_NEG) {
      add(BPF_ALU64 | code | BPF_X, "alu", name, 8);
      add(BPF_ALU | code | BPF_X, "alu", `${name}32`, 4);
    }
  }
  add(BPF_ALU | BPF_END | BPF_TO_LE, "end", "le", 4);
  add(BPF_ALU | BPF_END | BPF_TO_BE, "end", "be", 4);
  add(BPF_ALU64 | BPF_END | BPF_TO_LE, "end", "bswap", 8);
  for (const [code, name] of JMP_NAMES) {
    add(BPF_JMP | code | BPF_K, "jmp", name, 8);
    add(BPF_JMP | code | BPF_X, "jmp", name, 8);
    add(BPF_JMP32 | code | BPF_K, "jmp", `${name}32`, 4);
    add(BPF_JMP32 | code | BPF_X, "jmp", `${name}32`, 4);
  }
  add(OP_JA, "ja", "ja", 8);
  add(OP_JA32, "ja", "ja32", 4);
  add(OP_CALL, "call", "call", 8);
  add(OP_CALLX, "callx", "call", 8);
  add(OP_EXIT, "exit", "exit", 8);
  add(OP_LDDW, "lddw", "lddw", 8);
  for (const size of [BPF_B, BPF_H, BPF_W, BPF_DW]) {
    const w = sizeBytes(size);
    const sfx = SIZE_SUFFIX[size]!;
    add(BPF_LDX | BPF_MEM | size, "ldx", `ldx${sfx}`, w);
    add(BPF_ST | BPF_MEM | size, "st", `st${sfx}`, w);
    add(BPF_STX | BPF_MEM | size, "stx", `stx${sfx}`, w);
    if (size !== BPF_DW) {
      add(BPF_LDX | BPF_MEMSX | size, "ldxsx", `ldxs${sfx}`, w);
      add(BPF_LD | BPF_ABS | size, "ldabs", `ldabs${sfx}`, w);
      add(BPF_LD | BPF_IND | size, "ldabs", `ldind${sfx}`, w);
    }
  }
  add(BPF_STX | BPF_ATOMIC | BPF_W, "atomic", "lock32", 4);
  add(BPF_STX | BPF_ATOMIC | BPF_DW, "atomic", "lock", 8);
  return m;
}

/** Every opcode byte Baton knows, with its kind, base mnemonic and width. */
export const OPCODES: ReadonlyMap<number, OpInfo> = buildCatalogue();

export function opInfo(opcode: number): OpInfo | undefined {
  return OPCODES.get(opcode);
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

/** `is the instruction a 64-bit ALU op?` helpers used by walkers. */
export const isAlu64 = (op: number): boolean => opClass(op) === BPF_ALU64;
export const isJmp32 = (op: number): boolean => opClass(op) === BPF_JMP32;

/** Helper IDs referenced by the VM core itself (the full registry lives in vm/helpers). */
export const HELPER_UNWIND_CONFORMANCE = 5;

export const MAX_STACK = 512;
export const MAX_CALL_DEPTH = 8;
export const NUM_REGS = 11;
export const R10 = 10;
