/**
 * Disassembler: bytecode → text, one line per instruction (an lddw prints once, for its two
 * slots). Two styles:
 *   - "conformance": the assembler's dialect; `assemble(disassemble(b))` gives back `b` exactly.
 *   - "kernel": the verifier log's pseudo-C (`r1 += 2`, `if w1 s< 0x5 goto pc-2`); `disassemble`
 *     prefixes each line with `index: (opcode)` as the kernel log does.
 * `formatInsn` formats one instruction without a prefix (the verifier's logs use it).
 * With `labels`, conformance output names jump targets `L<slot>:` (still re-assembles exactly).
 *
 * Input that cannot be named is a `BytecodeError` at its slot index: a length that is not a
 * multiple of 8, an unknown opcode, an lddw without its second slot, an unknown atomic
 * operation, byte-swap width or call kind.
 */
import { BytecodeError } from "../../errors.js";
import { plural } from "../../plural.js";
import { ATOMIC_OPS, decode, isWide, Op, OP_DESC, opOf, SLOT_SIZE, type Insn, jumpTarget } from "../isa.js";
import type { ProgramType } from "../program-type.js";
import { formatConformance } from "./format-conformance.js";
import { formatKernel } from "./format-kernel.js";
import { opcodeName } from "./syntax.js";

export type DisasmStyle = "conformance" | "kernel";
export type HelperNamer = (id: number) => string | undefined;

export interface DisasmOptions {
  readonly style?: DisasmStyle;
  /** Names helper ids in kernel style (`call bpf_map_lookup_elem#1`); unnamed ids print `call 1`. */
  readonly helperName?: HelperNamer;
  /** Conformance style only: write jump and local-call targets as labels `L<slot>:` instead of `+N`. */
  readonly labels?: boolean;
}

const hex2 = (n: number): string => `0x${n.toString(16).padStart(2, "0")}`;

/**
 * Check what both styles need to name `insns[index]` and return its `Op`.
 * Reserved-field checks are style-specific (only the conformance style refuses them).
 */
export function validateInsn(insns: readonly Insn[], index: number): Op {
  const i = insns[index];
  if (i === undefined)
    throw new BytecodeError(
      "disasm.index",
      `instruction index ${index} is outside the program (0..${insns.length - 1})`,
      { insn: index },
    );
  const op = opOf(i);
  if (op === Op.INVALID)
    throw new BytecodeError("disasm.unknown-opcode", `unknown opcode ${hex2(i.opcode)}`, { insn: index });
  const d = OP_DESC[op]!;
  // A selector value the RFC does not define decodes as the byte's plain form: refuse it here.
  switch (d.kind) {
    case "lddw":
      if (index + 1 >= insns.length)
        throw new BytecodeError(
          "disasm.truncated-lddw",
          "truncated lddw: its second slot is missing at the end of the program",
          { insn: index },
        );
      break;
    case "end":
      if (i.imm !== d.selector)
        throw new BytecodeError(
          "disasm.bad-end",
          `invalid byte-swap width ${i.imm} for ${opcodeName(op)}; expected 16, 32 or 64`,
          { insn: index },
        );
      break;
    case "atomic":
      if (!ATOMIC_OPS.has(i.imm))
        throw new BytecodeError(
          "disasm.bad-atomic",
          `unknown atomic operation ${hex2(i.imm >>> 0)}; expected one of ${[...ATOMIC_OPS.keys()].map(hex2).join(", ")}`,
          { insn: index },
        );
      break;
    case "call":
      if (i.src !== d.selector) {
        throw new BytecodeError(
          "disasm.bad-call",
          `unknown call kind src = ${i.src}; expected 0 (helper), 1 (local) or 2 (kfunc)`,
          { insn: index },
        );
      }
      break;
    default:
      break;
  }
  return op;
}

/** Text of one instruction (no index prefix). `insns` is one entry per slot, as `decode` gives. */
export function formatInsn(
  insns: readonly Insn[],
  index: number,
  style: DisasmStyle = "conformance",
  helperName?: HelperNamer,
): string {
  const op = validateInsn(insns, index);
  return style === "kernel" ? formatKernel(insns, index, op, helperName) : formatConformance(insns, index, op);
}

/** Disassemble raw little-endian slots; returns one line per instruction, each ending in "\n". */
export function disassemble(bytes: Uint8Array, options: DisasmOptions = {}): string {
  if (bytes.length % SLOT_SIZE !== 0) {
    const slot = Math.floor(bytes.length / SLOT_SIZE);
    throw new BytecodeError(
      "disasm.length",
      `bytecode length ${bytes.length} is not a multiple of 8 (slot ${slot} has ${plural(bytes.length % SLOT_SIZE, "byte")})`,
      { insn: slot },
    );
  }
  const style = options.style ?? "conformance";
  const insns = decode(bytes);
  const lines: { pc: number; text: string }[] = [];
  for (let pc = 0; pc < insns.length;) {
    const text = formatInsn(insns, pc, style, options.helperName);
    lines.push({
      pc,
      text: style === "kernel" ? `${pc}: (${insns[pc]!.opcode.toString(16).padStart(2, "0")}) ${text}` : text,
    });
    pc += isWide(insns[pc]!) ? 2 : 1;
  }
  if (style === "conformance" && options.labels === true) return withLabels(insns, lines);
  return lines.map((l) => `${l.text}\n`).join("");
}

/**
 * Replace relative targets (`+N`/`-N`, always the last operand) by labels where the target is
 * an instruction start or the end of the program; other targets (into an lddw, out of range)
 * stay numeric so the text still re-assembles to the same bytes.
 */
function withLabels(insns: readonly Insn[], lines: readonly { pc: number; text: string }[]): string {
  const starts = new Set(lines.map((l) => l.pc));
  starts.add(insns.length);
  const targets = new Map<number, number>(); // pc → target slot
  for (const { pc } of lines) {
    const i = insns[pc]!;
    const target = jumpTarget(i, pc);
    if (target !== undefined && starts.has(target)) targets.set(pc, target);
  }
  const named = new Set(targets.values());
  let out = "";
  for (const { pc, text } of lines) {
    if (named.has(pc)) out += `L${pc}:\n`;
    const t = targets.get(pc);
    out += `${t === undefined ? text : text.replace(/[+-]\d+$/, `L${t}`)}\n`;
  }
  if (named.has(insns.length)) out += `L${insns.length}:\n`;
  return out;
}

/** Helper names of a program type in the kernel's spelling (`bpf_map_lookup_elem`). */
export function helperNamesOf(type: ProgramType): HelperNamer {
  return (id) => {
    const h = type.helpers.get(id);
    return h === undefined ? undefined : h.name.startsWith("bpf_") ? h.name : `bpf_${h.name}`;
  };
}
