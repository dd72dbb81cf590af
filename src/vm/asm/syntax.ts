/**
 * The mnemonic table of the conformance dialect (FORMAT.md §2.2) plus Baton's extensions, as data:
 * each mnemonic names the `Op`s it assembles to and the form that says how its operands become
 * fields. The assembler reads it forwards (mnemonic → Op) and the disassemblers backwards
 * (`mnemonicOf`, `opcodeName`), so both agree on spelling. Slots are built with `insnOf`, so
 * nothing here composes opcode bits.
 *
 * Deliberately absent: rbpf's `add64`/`mov64` spellings and the kernel pseudo-C syntax (the
 * disassembler prints pseudo-C; the assembler reads only the conformance dialect).
 */
import { Op, OP_COUNT } from "../isa.js";

export type Form =
  /** Binary ALU op: a register second operand assembles to `x`, an immediate to `k`. */
  | { readonly form: "alu"; readonly k: Op; readonly x: Op }
  /** `neg`/`neg32`: one register operand. */
  | { readonly form: "neg"; readonly op: Op }
  /** `movsx…`: register source only. */
  | { readonly form: "movsx"; readonly op: Op }
  /** `le16`, `be32`, `bswap64`…: one register. */
  | { readonly form: "end"; readonly op: Op }
  | { readonly form: "lddw" }
  | { readonly form: "ldx"; readonly op: Op }
  | { readonly form: "st"; readonly op: Op }
  | { readonly form: "stx"; readonly op: Op }
  /** Legacy packet loads: `ldabsw imm`, `ldindw %rS, imm`. */
  | { readonly form: "ldabs"; readonly op: Op; readonly indirect: boolean }
  /** Conditional jump: `%rD, %rS|imm, target`. */
  | { readonly form: "jmp"; readonly k: Op; readonly x: Op }
  /** `ja` (target in off) or `ja32` (target in imm). */
  | { readonly form: "ja"; readonly op: Op }
  | { readonly form: "call" }
  | { readonly form: "exit" }
  | { readonly form: "lock" };

/** Operand signature per form, for "expects N operands (…)" messages. */
export const SIGNATURE: Readonly<Record<Form["form"], string>> = {
  alu: "%rD, %rS|imm",
  neg: "%rD",
  movsx: "%rD, %rS",
  end: "%rD",
  lddw: "%rD, imm64|map_fd(fd)|map_value(fd, off)",
  ldx: "%rD, [%rS+off]",
  st: "[%rD+off], imm",
  stx: "[%rD+off], %rS",
  ldabs: "imm",
  jmp: "%rD, %rS|imm, target",
  ja: "target",
  call: "N | local target | %rN",
  exit: "",
  lock: "[fetch] add|and|or|xor|xchg|cmpxchg[32] [%rD+off], %rS",
};

/** [mnemonic, 64-bit K, 64-bit X, 32-bit K, 32-bit X]; the 32-bit mnemonic ends in `32`. */
type Row = readonly [string, Op, Op, Op, Op];

// In the order of the table (most common first): suggestions prefer earlier names on ties.
const ALU: readonly Row[] = [
  ["add", Op.ADD64_K, Op.ADD64_X, Op.ADD32_K, Op.ADD32_X],
  ["sub", Op.SUB64_K, Op.SUB64_X, Op.SUB32_K, Op.SUB32_X],
  ["mul", Op.MUL64_K, Op.MUL64_X, Op.MUL32_K, Op.MUL32_X],
  ["div", Op.DIV64_K, Op.DIV64_X, Op.DIV32_K, Op.DIV32_X],
  ["mod", Op.MOD64_K, Op.MOD64_X, Op.MOD32_K, Op.MOD32_X],
  ["or", Op.OR64_K, Op.OR64_X, Op.OR32_K, Op.OR32_X],
  ["and", Op.AND64_K, Op.AND64_X, Op.AND32_K, Op.AND32_X],
  ["xor", Op.XOR64_K, Op.XOR64_X, Op.XOR32_K, Op.XOR32_X],
  ["lsh", Op.LSH64_K, Op.LSH64_X, Op.LSH32_K, Op.LSH32_X],
  ["rsh", Op.RSH64_K, Op.RSH64_X, Op.RSH32_K, Op.RSH32_X],
  ["arsh", Op.ARSH64_K, Op.ARSH64_X, Op.ARSH32_K, Op.ARSH32_X],
  ["neg", Op.NEG64, Op.NEG64, Op.NEG32, Op.NEG32],
  ["mov", Op.MOV64_K, Op.MOV64_X, Op.MOV32_K, Op.MOV32_X],
];

/** Signed division and modulo: their opcode bytes are div's and mod's (off = 1, RFC 9669 §4.1). */
const SIGNED_DIV: readonly Row[] = [
  ["sdiv", Op.SDIV64_K, Op.SDIV64_X, Op.SDIV32_K, Op.SDIV32_X],
  ["smod", Op.SMOD64_K, Op.SMOD64_X, Op.SMOD32_K, Op.SMOD32_X],
];

const JMP: readonly Row[] = [
  ["jeq", Op.JEQ_K, Op.JEQ_X, Op.JEQ32_K, Op.JEQ32_X],
  ["jne", Op.JNE_K, Op.JNE_X, Op.JNE32_K, Op.JNE32_X],
  ["jset", Op.JSET_K, Op.JSET_X, Op.JSET32_K, Op.JSET32_X],
  ["jgt", Op.JGT_K, Op.JGT_X, Op.JGT32_K, Op.JGT32_X],
  ["jge", Op.JGE_K, Op.JGE_X, Op.JGE32_K, Op.JGE32_X],
  ["jlt", Op.JLT_K, Op.JLT_X, Op.JLT32_K, Op.JLT32_X],
  ["jle", Op.JLE_K, Op.JLE_X, Op.JLE32_K, Op.JLE32_X],
  ["jsgt", Op.JSGT_K, Op.JSGT_X, Op.JSGT32_K, Op.JSGT32_X],
  ["jsge", Op.JSGE_K, Op.JSGE_X, Op.JSGE32_K, Op.JSGE32_X],
  ["jslt", Op.JSLT_K, Op.JSLT_X, Op.JSLT32_K, Op.JSLT32_X],
  ["jsle", Op.JSLE_K, Op.JSLE_X, Op.JSLE32_K, Op.JSLE32_X],
];

const MEMORY: ReadonlyArray<readonly [string, "ldx" | "st" | "stx", Op]> = [
  ["ldxb", "ldx", Op.LDX_B],
  ["ldxh", "ldx", Op.LDX_H],
  ["ldxw", "ldx", Op.LDX_W],
  ["ldxdw", "ldx", Op.LDX_DW],
  ["ldxsb", "ldx", Op.LDXS_B],
  ["ldxsh", "ldx", Op.LDXS_H],
  ["ldxsw", "ldx", Op.LDXS_W],
  ["stb", "st", Op.ST_B],
  ["sth", "st", Op.ST_H],
  ["stw", "st", Op.ST_W],
  ["stdw", "st", Op.ST_DW],
  ["stxb", "stx", Op.STX_B],
  ["stxh", "stx", Op.STX_H],
  ["stxw", "stx", Op.STX_W],
  ["stxdw", "stx", Op.STX_DW],
];

const PACKET: ReadonlyArray<readonly [string, Op]> = [
  ["ldabsb", Op.LDABS_B],
  ["ldabsh", Op.LDABS_H],
  ["ldabsw", Op.LDABS_W],
  ["ldindb", Op.LDIND_B],
  ["ldindh", Op.LDIND_H],
  ["ldindw", Op.LDIND_W],
];

/** Sign-extending moves: movsx<source bits><destination width>; their opcode byte is mov's (X). */
const MOVSX: ReadonlyArray<readonly [string, string, Op]> = [
  ["movsx832", "mov32", Op.MOVSX8_32],
  ["movsx1632", "mov32", Op.MOVSX16_32],
  ["movsx864", "mov", Op.MOVSX8_64],
  ["movsx1664", "mov", Op.MOVSX16_64],
  ["movsx3264", "mov", Op.MOVSX32_64],
];

/** Byte-order ops by width; `swap` is an alias of `bswap` that the disassembler never prints. */
const BYTE_ORDER: ReadonlyArray<readonly [string, Op, Op, Op]> = [
  ["le", Op.LE16, Op.LE32, Op.LE64],
  ["be", Op.BE16, Op.BE32, Op.BE64],
  ["bswap", Op.BSWAP16, Op.BSWAP32, Op.BSWAP64],
  ["swap", Op.BSWAP16, Op.BSWAP32, Op.BSWAP64],
];

/** Is `op` a legacy packet load with a register operand (`ldind…`)? */
export function isIndirectLoad(op: Op): boolean {
  return op === Op.LDIND_B || op === Op.LDIND_H || op === Op.LDIND_W;
}

/** Op → the mnemonic the disassembler prints; Op → the name of its opcode byte (see opcodeName). */
const MNEMONIC_OF: string[] = new Array<string>(OP_COUNT).fill("");
const OPCODE_NAME: string[] = new Array<string>(OP_COUNT).fill("");

function build(): Map<string, Form> {
  const m = new Map<string, Form>();
  /** Record `name` for `form`, naming `ops` (the first name given to an op is the one printed). */
  const set = (name: string, form: Form, ops: readonly Op[], byteName = name): void => {
    if (!m.has(name)) m.set(name, form);
    for (const op of ops) {
      if (MNEMONIC_OF[op] === "") MNEMONIC_OF[op] = name;
      if (OPCODE_NAME[op] === "") OPCODE_NAME[op] = byteName;
    }
  };
  const rows = (table: readonly Row[], form: "alu" | "jmp", byteName: (name: string) => string): void => {
    for (const [sfx, wide] of [
      ["", true],
      ["32", false],
    ] as const) {
      for (const [base, k64, x64, k32, x32] of table) {
        const [k, x] = wide ? [k64, x64] : [k32, x32];
        const name = `${base}${sfx}`;
        set(name, k === x ? { form: "neg", op: k } : { form, k, x }, [k, x], byteName(name));
      }
    }
  };
  rows(ALU, "alu", (n) => n);
  set("ja", { form: "ja", op: Op.JA }, [Op.JA]);
  set("ja32", { form: "ja", op: Op.JA32 }, [Op.JA32]);
  rows(JMP, "jmp", (n) => n);
  set("call", { form: "call" }, [Op.CALL, Op.CALL_LOCAL, Op.CALL_KFUNC, Op.CALLX]);
  set("exit", { form: "exit" }, [Op.EXIT]);
  set("lddw", { form: "lddw" }, [Op.LDDW]);
  for (const [name, form, op] of MEMORY) set(name, { form, op }, [op]);
  set("lock", { form: "lock" }, [Op.ATOMIC64]);
  MNEMONIC_OF[Op.ATOMIC32] = "lock";
  OPCODE_NAME[Op.ATOMIC32] = "lock32";
  for (const [name, op] of PACKET) set(name, { form: "ldabs", op, indirect: isIndirectLoad(op) }, [op]);
  rows(SIGNED_DIV, "alu", (n) => n.slice(1));
  for (const [name, byteName, op] of MOVSX) set(name, { form: "movsx", op }, [op], byteName);
  for (const bits of [16, 32, 64] as const) {
    for (const [name, op16, op32, op64] of BYTE_ORDER) {
      const op = bits === 16 ? op16 : bits === 32 ? op32 : op64;
      set(`${name}${bits}`, { form: "end", op }, [op], name);
    }
  }
  return m;
}

/** Every mnemonic the assembler accepts, most common first (for suggestions). */
export const MNEMONICS: ReadonlyMap<string, Form> = build();

/**
 * The mnemonic that assembles to `op` (`sdiv32`, `movsx864`, `le16`); every call kind is `call`
 * and every atomic `lock`, their operands telling them apart.
 */
export const mnemonicOf = (op: Op): string => MNEMONIC_OF[op]!;

/**
 * The name of `op`'s opcode byte whatever its selector field (`div` for sdiv, `mov32` for
 * movsx832, `le` for le16, `lock32` for a 32-bit atomic): messages about a slot's fields use it,
 * since the field at fault may be the selector itself.
 */
export const opcodeName = (op: Op): string => OPCODE_NAME[op]!;

/** Atomic operation names after `lock` (and optional `fetch`), without the `32` suffix. */
export const LOCK_OPS = ["add", "and", "or", "xor", "xchg", "cmpxchg"] as const;
