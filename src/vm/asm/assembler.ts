/**
 * Assembler for the bpf_conformance dialect (../shared/bpf_conformance/FORMAT.md §2) with
 * Baton's extensions:
 *   lddw %r1, map_fd(3)            src = BPF_PSEUDO_MAP_FD, imm = 3
 *   lddw %r1, map_value(3, 16)     src = BPF_PSEUDO_MAP_VALUE, imm = 3, second imm = 16
 *   lddw %r1, pseudo(S, I, J)      any other lddw src (so every lddw can be disassembled)
 *   call local +3 / call local -2  numeric relative targets for local calls
 *   name: insn                     a label may share its line with an instruction
 *
 * Two passes: parse every line into pending instructions (labels recorded by slot), then
 * resolve label targets relative to the next slot (§2.1) and encode. The first error is thrown
 * as a `ParseError` with file:line:col; nothing else escapes.
 *
 * Deliberately absent: upstream's `%r11`–`%r15` (only for its negative tests) and `add64`-style
 * spellings.
 */
import { ParseError, type SourceSpan } from "../../errors.js";
import { encode, isWide, makeInsn, type Insn } from "../isa.js";
import { spanOf, tokenize, type LineRef } from "./lexer.js";
import { encodeInstruction, type Pending } from "./encoder.js";
import { parseOperands } from "./operands.js";
import { closest } from "./suggest.js";
import { MNEMONICS } from "./syntax.js";

/** An assembled program: bytes, the compact instruction list and each slot's source line. */
export interface AssembledProgram {
  readonly bytes: Uint8Array;
  /** One entry per instruction (an lddw stands for its two slots). */
  readonly insns: readonly Insn[];
  /** Source span of the instruction at each slot (an lddw's second slot repeats the first). */
  readonly slotSpans: readonly SourceSpan[];
  /** Label name → slot index. */
  readonly labels: ReadonlyMap<string, number>;
}

interface LabelDef {
  readonly slot: number;
  readonly line: number;
}

/** Assemble `source` into bytecode (8 bytes per slot). `firstLine` numbers the first line. */
export function assemble(source: string, file = "<input>", firstLine = 1): Uint8Array {
  return assembleProgram(source, file, firstLine).bytes;
}

export function assembleProgram(source: string, file = "<input>", firstLine = 1): AssembledProgram {
  const pending: Pending[] = [];
  const labels = new Map<string, LabelDef>();
  let slot = 0;
  let firstExit: number | undefined;
  const lines = source.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const text = lines[n]!.replace(/\r$/, "");
    const ref: LineRef = { file, line: firstLine + n };
    let toks = tokenize(text, ref);
    // Label definitions: `name:` (possibly followed by an instruction).
    while (toks.length >= 2 && toks[0]!.kind === "word" && toks[1]!.kind === "punct" && toks[1]!.text === ":") {
      const name = toks[0]!;
      const prev = labels.get(name.text);
      if (prev !== undefined)
        throw new ParseError(
          "asm.duplicate-label",
          `duplicate label '${name.text}' (first defined at line ${prev.line})`,
          spanOf(ref, name.col, name.text.length),
        );
      labels.set(name.text, { slot, line: ref.line });
      toks = toks.slice(2);
    }
    if (toks.length === 0) continue;
    const head = toks[0]!;
    if (head.kind !== "word") {
      throw new ParseError(
        "asm.expected-mnemonic",
        `expected a mnemonic or a label, got '${head.text}'`,
        spanOf(ref, head.col, head.text.length),
      );
    }
    const form = MNEMONICS.get(head.text);
    if (form === undefined) {
      const guess = closest(head.text, MNEMONICS.keys()) ?? closest(head.text.toLowerCase(), MNEMONICS.keys());
      const msg = `unknown mnemonic '${head.text}'${guess !== undefined ? `; did you mean '${guess}'?` : ""}`;
      throw new ParseError("asm.unknown-mnemonic", msg, spanOf(ref, head.col, head.text.length));
    }
    const ops = parseOperands(toks.slice(1), ref, text.length);
    const p = encodeInstruction(head.text, form, ops, text, ref, { col: head.col, length: head.text.length }, slot);
    if (!isWide(p.insn) && firstExit === undefined && head.text === "exit") firstExit = slot;
    pending.push(p);
    slot += isWide(p.insn) ? 2 : 1;
  }
  return resolve(pending, labels, firstExit);
}

/** Second pass: fill label targets (offset = target − (slot + 1), FORMAT.md §2.1) and encode. */
function resolve(
  pending: readonly Pending[],
  labels: ReadonlyMap<string, LabelDef>,
  firstExit: number | undefined,
): AssembledProgram {
  const insns: Insn[] = [];
  const slotSpans: SourceSpan[] = [];
  for (const p of pending) {
    let insn = p.insn;
    if (p.target !== undefined) {
      const t = p.target;
      // The implicit label `exit` names the first exit instruction, unless defined explicitly.
      const slot = labels.get(t.name)?.slot ?? (t.name === "exit" ? firstExit : undefined);
      if (slot === undefined) {
        const guess = closest(t.name, labels.keys());
        const hint =
          t.name === "exit"
            ? "the implicit label 'exit' names the first exit instruction, and there is none"
            : guess !== undefined
              ? `did you mean '${guess}'?`
              : undefined;
        throw new ParseError("asm.undefined-label", `undefined label '${t.name}'`, t.span, hint);
      }
      const rel = slot - (p.slot + 1);
      if (t.field === "off") {
        if (rel < -0x8000 || rel > 0x7fff)
          throw new ParseError(
            "asm.jump-range",
            `jump offset ${rel} does not fit in 16 bits`,
            t.span,
            "use ja32 for far unconditional jumps",
          );
        insn = makeInsn(insn.opcode, insn.dst, insn.src, rel, insn.imm, insn.imm2);
      } else {
        insn = makeInsn(insn.opcode, insn.dst, insn.src, insn.off, rel, insn.imm2);
      }
    }
    insns.push(insn);
    slotSpans.push(p.span);
    if (isWide(insn)) slotSpans.push(p.span);
  }
  const labelSlots = new Map<string, number>();
  for (const [k, v] of labels) labelSlots.set(k, v.slot);
  return { bytes: encode(insns, true), insns, slotSpans, labels: labelSlots };
}
