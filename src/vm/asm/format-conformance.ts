/**
 * Conformance-dialect text for one instruction (FORMAT.md §2), the inverse of the assembler:
 * assembling the text gives back the same slot(s). Jump targets print as relative offsets
 * (`+3`, `-2`), so no labels are needed.
 *
 * Because the dialect has no way to write a non-zero reserved field (an `off` on `add`, a `src`
 * on a K-form op, …), such instructions are refused with a `BytecodeError` naming the field,
 * rather than printed lossily; the kernel style prints them anyway.
 */
import { BytecodeError } from "../../errors.js";
import { ATOMIC_OPS, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, BPF_X, Op, OP_DESC, type Insn } from "../isa.js";
import { isIndirectLoad, mnemonicOf, opcodeName } from "./syntax.js";

const reg = (n: number): string => `%r${n}`;
const rel = (n: number): string => (n < 0 ? `${n}` : `+${n}`);
const mem = (base: number, off: number): string =>
  off === 0 ? `[%r${base}]` : `[%r${base}${off < 0 ? off : `+${off}`}]`;

/** A 32-bit immediate: small values in decimal, others as a hex bit pattern (re-assembles the same). */
export function imm32Text(v: number): string {
  return v > -0x10000 && v < 0x10000 ? `${v}` : `0x${(v >>> 0).toString(16)}`;
}

function hex64(lo: number, hi: number): string {
  return `0x${((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString(16)}`;
}

/** Refuse the instruction if any field named in `fields` is non-zero. */
function reserved(index: number, what: string, fields: Readonly<Record<string, number>>): void {
  for (const [name, value] of Object.entries(fields)) {
    if (value !== 0) {
      throw new BytecodeError(
        "disasm.reserved-field",
        `${what} has ${name} = ${value}, expected 0; the conformance dialect cannot express it (try --style kernel)`,
        { insn: index },
      );
    }
  }
}

/** Conformance text of `insns[index]`, whose `op` (selector included) was validated by the caller. */
export function formatConformance(insns: readonly Insn[], index: number, op: Op): string {
  const i = insns[index]!;
  const d = OP_DESC[op]!;
  const x = d.source === BPF_X;
  const name = mnemonicOf(op);
  const what = `${opcodeName(op)} (opcode 0x${i.opcode.toString(16).padStart(2, "0")})`;
  switch (d.kind) {
    case "alu": {
      if (op === Op.NEG64 || op === Op.NEG32) {
        reserved(index, what, { src: i.src, off: i.off, imm: i.imm });
        return `${name} ${reg(i.dst)}`;
      }
      // sdiv/smod and movsx spend off on their selector; any other ALU op must leave it 0.
      const off = d.selector !== 0 ? 0 : i.off;
      reserved(index, what, x ? { off, imm: i.imm } : { src: i.src, off });
      return `${name} ${reg(i.dst)}, ${x ? reg(i.src) : imm32Text(i.imm)}`;
    }
    case "end":
      reserved(index, what, { src: i.src, off: i.off });
      return `${name} ${reg(i.dst)}`;
    case "jmp":
      reserved(index, what, x ? { imm: i.imm } : { src: i.src });
      return `${name} ${reg(i.dst)}, ${x ? reg(i.src) : imm32Text(i.imm)}, ${rel(i.off)}`;
    case "ja":
      if (op === Op.JA32) {
        reserved(index, what, { dst: i.dst, src: i.src, off: i.off });
        return `${name} ${rel(i.imm)}`;
      }
      reserved(index, what, { dst: i.dst, src: i.src, imm: i.imm });
      return `${name} ${rel(i.off)}`;
    case "call":
      reserved(index, what, { dst: i.dst, off: i.off });
      if (op === Op.CALL_LOCAL) return `call local ${rel(i.imm)}`;
      if (op === Op.CALL_KFUNC) return `call runtime ${i.imm}`;
      return `call ${i.imm}`;
    case "callx":
      reserved(index, what, { src: i.src, off: i.off, imm: i.imm });
      return `call ${reg(i.dst)}`;
    case "exit":
      reserved(index, what, { dst: i.dst, src: i.src, off: i.off, imm: i.imm });
      return "exit";
    case "lddw": {
      reserved(index, what, { off: i.off });
      const second = insns[index + 1]!;
      reserved(index + 1, "lddw second slot", {
        opcode: second.opcode,
        dst: second.dst,
        src: second.src,
        off: second.off,
      });
      if (i.src === 0) return `lddw ${reg(i.dst)}, ${hex64(i.imm, i.imm2)}`;
      if (i.src === BPF_PSEUDO_MAP_FD && i.imm2 === 0) return `lddw ${reg(i.dst)}, map_fd(${i.imm})`;
      if (i.src === BPF_PSEUDO_MAP_VALUE) return `lddw ${reg(i.dst)}, map_value(${i.imm}, ${i.imm2})`;
      return `lddw ${reg(i.dst)}, pseudo(${i.src}, ${imm32Text(i.imm)}, ${imm32Text(i.imm2)})`;
    }
    case "ldx":
    case "ldxsx":
      reserved(index, what, { imm: i.imm });
      return `${name} ${reg(i.dst)}, ${mem(i.src, i.off)}`;
    case "st":
      reserved(index, what, { src: i.src });
      return `${name} ${mem(i.dst, i.off)}, ${imm32Text(i.imm)}`;
    case "stx":
      reserved(index, what, { imm: i.imm });
      return `${name} ${mem(i.dst, i.off)}, ${reg(i.src)}`;
    case "atomic":
      return `lock ${ATOMIC_OPS.get(i.imm)!}${op === Op.ATOMIC32 ? "32" : ""} ${mem(i.dst, i.off)}, ${reg(i.src)}`;
    case "ldabs":
      if (isIndirectLoad(op)) {
        reserved(index, what, { dst: i.dst, off: i.off });
        return `${name} ${reg(i.src)}, ${imm32Text(i.imm)}`;
      }
      reserved(index, what, { dst: i.dst, src: i.src, off: i.off });
      return `${name} ${imm32Text(i.imm)}`;
  }
}
