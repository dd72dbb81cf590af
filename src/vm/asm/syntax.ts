/**
 * The mnemonic table of the conformance dialect (FORMAT.md §2.2) plus Baton's extensions, as data:
 * each mnemonic maps to the form that says how its operands become fields. The assembler reads it
 * forwards and the conformance-style disassembler mirrors it, so both agree on spelling.
 * Opcodes come from `OPCODES` in isa.ts; this file composes, never spells, opcode numbers.
 *
 * Deliberately absent: rbpf's `add64`/`mov64` spellings and the kernel pseudo-C syntax (the
 * disassembler prints pseudo-C; the assembler reads only the conformance dialect).
 */
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_END,
  BPF_JMP32,
  BPF_TO_BE,
  BPF_TO_LE,
  BPF_DIV,
  BPF_MOD,
  BPF_MOV,
  BPF_X,
  OPCODES,
  opClass,
  opCode,
  type OpKind,
} from "../isa.js";

export type Form =
  /** Binary ALU op; `off` is 1 for sdiv/smod. Second operand selects K or X. */
  | { readonly form: "alu"; readonly opcode: number; readonly off: number }
  /** `neg`/`neg32`: one register operand. */
  | { readonly form: "neg"; readonly opcode: number }
  /** `movsx…`: MOV|X with `off` = source width in bits; register source only. */
  | { readonly form: "movsx"; readonly opcode: number; readonly off: number }
  /** `le16`, `be32`, `bswap64`…: one register; `imm` = width. */
  | { readonly form: "end"; readonly opcode: number; readonly imm: number }
  | { readonly form: "lddw"; readonly opcode: number }
  | { readonly form: "ldx"; readonly opcode: number }
  | { readonly form: "st"; readonly opcode: number }
  | { readonly form: "stx"; readonly opcode: number }
  /** Legacy packet loads: `ldabsw imm`, `ldindw %rS, imm`. */
  | { readonly form: "ldabs"; readonly opcode: number; readonly indirect: boolean }
  /** Conditional jump: `%rD, %rS|imm, target`. `opcode` is the K form. */
  | { readonly form: "jmp"; readonly opcode: number }
  /** `ja` (target in off) or `ja32` (target in imm). */
  | { readonly form: "ja"; readonly opcode: number; readonly wide: boolean }
  | { readonly form: "call" }
  | { readonly form: "exit"; readonly opcode: number }
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

function build(): Map<string, Form> {
  const m = new Map<string, Form>();
  const set = (name: string, f: Form): void => {
    if (!m.has(name)) m.set(name, f);
  };
  const simple: Partial<Record<OpKind, "ldx" | "st" | "stx">> = { ldx: "ldx", ldxsx: "ldx", st: "st", stx: "stx" };
  for (const info of OPCODES.values()) {
    const op = info.opcode;
    switch (info.kind) {
      case "alu":
        // The catalogue lists K and X forms under one name; keep the K opcode (X is K|BPF_X).
        if ((op & BPF_X) !== 0) break;
        if (info.name.startsWith("neg")) set(info.name, { form: "neg", opcode: op });
        else set(info.name, { form: "alu", opcode: op, off: 0 });
        break;
      case "jmp":
        if ((op & BPF_X) === 0) set(info.name, { form: "jmp", opcode: op });
        break;
      case "ja":
        set(info.name, { form: "ja", opcode: op, wide: opClass(op) === BPF_JMP32 });
        break;
      case "call":
      case "callx":
        set("call", { form: "call" });
        break;
      case "exit":
        set("exit", { form: "exit", opcode: op });
        break;
      case "lddw":
        set("lddw", { form: "lddw", opcode: op });
        break;
      case "ldabs":
        set(info.name, { form: "ldabs", opcode: op, indirect: info.name.startsWith("ldind") });
        break;
      case "atomic":
        set("lock", { form: "lock" });
        break;
      case "ldx":
      case "ldxsx":
      case "st":
      case "stx":
        set(info.name, { form: simple[info.kind]!, opcode: op });
        break;
      case "end":
        break; // spelled with widths below
    }
  }
  // Signed division and modulo: DIV/MOD with off = 1 (RFC 9669 §4.1).
  for (const [cls, sfx] of [
    [BPF_ALU64, ""],
    [BPF_ALU, "32"],
  ] as const) {
    set(`sdiv${sfx}`, { form: "alu", opcode: cls | BPF_DIV, off: 1 });
    set(`smod${sfx}`, { form: "alu", opcode: cls | BPF_MOD, off: 1 });
  }
  // Sign-extending moves: MOV|X with off = 8/16(/32 for ALU64); name = movsx<bits><dest width>.
  for (const bits of [8, 16]) set(`movsx${bits}32`, { form: "movsx", opcode: BPF_ALU | BPF_MOV | BPF_X, off: bits });
  for (const bits of [8, 16, 32])
    set(`movsx${bits}64`, { form: "movsx", opcode: BPF_ALU64 | BPF_MOV | BPF_X, off: bits });
  for (const w of [16, 32, 64]) {
    set(`le${w}`, { form: "end", opcode: BPF_ALU | BPF_END | BPF_TO_LE, imm: w });
    set(`be${w}`, { form: "end", opcode: BPF_ALU | BPF_END | BPF_TO_BE, imm: w });
    set(`bswap${w}`, { form: "end", opcode: BPF_ALU64 | BPF_END | BPF_TO_LE, imm: w });
    set(`swap${w}`, { form: "end", opcode: BPF_ALU64 | BPF_END | BPF_TO_LE, imm: w });
  }
  return m;
}

/** Every mnemonic the assembler accepts, most common first (for suggestions). */
export const MNEMONICS: ReadonlyMap<string, Form> = build();

/** Atomic operation names after `lock` (and optional `fetch`), without the `32` suffix. */
export const LOCK_OPS = ["add", "and", "or", "xor", "xchg", "cmpxchg"] as const;

/** Is `op` a DIV or MOD opcode (where off = 1 means signed)? */
export const isDivMod = (op: number): boolean => opCode(op) === BPF_DIV || opCode(op) === BPF_MOD;
