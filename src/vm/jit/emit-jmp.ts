/**
 * Branch conditions of JMP (64-bit compare) and JMP32 (low halves only) as JS boolean
 * expressions over int32 halves (bpf-isa-summary §3.3). K operands are imm sign-extended to
 * 64 bits even for unsigned compares (`j-signed-imm.data`), emitted as two literals so V8
 * folds the high-half compare. Unsigned compares take `>>> 0` views; 64-bit compares look at
 * the high halves first and at the low halves only when those are equal.
 * Returns undefined for an `Op` that is not a conditional jump.
 */
import { BPF_JMP32, BPF_X, OP_DESC, Op, type Insn } from "../isa.js";
import { hiRead, lo, num, type EmitCtx } from "./source.js";

/** The JS operator a conditional jump compares with (`&` for jset), whatever its width and source. */
function relation(op: Op): string | undefined {
  switch (op) {
    case Op.JEQ_K:
    case Op.JEQ_X:
    case Op.JEQ32_K:
    case Op.JEQ32_X:
      return "===";
    case Op.JNE_K:
    case Op.JNE_X:
    case Op.JNE32_K:
    case Op.JNE32_X:
      return "!==";
    case Op.JSET_K:
    case Op.JSET_X:
    case Op.JSET32_K:
    case Op.JSET32_X:
      return "&";
    case Op.JGT_K:
    case Op.JGT_X:
    case Op.JGT32_K:
    case Op.JGT32_X:
    case Op.JSGT_K:
    case Op.JSGT_X:
    case Op.JSGT32_K:
    case Op.JSGT32_X:
      return ">";
    case Op.JGE_K:
    case Op.JGE_X:
    case Op.JGE32_K:
    case Op.JGE32_X:
    case Op.JSGE_K:
    case Op.JSGE_X:
    case Op.JSGE32_K:
    case Op.JSGE32_X:
      return ">=";
    case Op.JLT_K:
    case Op.JLT_X:
    case Op.JLT32_K:
    case Op.JLT32_X:
    case Op.JSLT_K:
    case Op.JSLT_X:
    case Op.JSLT32_K:
    case Op.JSLT32_X:
      return "<";
    case Op.JLE_K:
    case Op.JLE_X:
    case Op.JLE32_K:
    case Op.JLE32_X:
    case Op.JSLE_K:
    case Op.JSLE_X:
    case Op.JSLE32_K:
    case Op.JSLE32_X:
      return "<=";
    default:
      return undefined;
  }
}

/** The strict version of a relation, for the high-half test of a 64-bit compare. */
const STRICT: Readonly<Record<string, string>> = { ">": ">", ">=": ">", "<": "<", "<=": "<" };

export function branchCondition(ctx: EmitCtx, op: Op, insn: Insn): string | undefined {
  const { pc } = ctx;
  const d = OP_DESC[op]!;
  const rel = d.kind === "jmp" ? relation(op) : undefined;
  if (rel === undefined) return undefined;
  const x = d.source === BPF_X;
  const imm = insn.imm | 0;
  const dl = lo(insn.dst, pc);
  const sl = x ? lo(insn.src, pc) : num(imm, pc);
  const u = (e: string): string => `(${e} >>> 0)`;
  const slu = x ? u(sl) : num(imm >>> 0, pc);
  if (d.cls === BPF_JMP32) {
    if (rel === "===" || rel === "!==") return `${dl} ${rel} ${sl}`;
    if (rel === "&") return `(${dl} & ${sl}) !== 0`;
    return d.signed ? `${dl} ${rel} ${sl}` : `${u(dl)} ${rel} ${slu}`;
  }
  const dh = hiRead(ctx, insn.dst);
  const sh = x ? hiRead(ctx, insn.src) : num(imm >> 31, pc);
  if (rel === "===") return `${dl} === ${sl} && ${dh} === ${sh}`;
  if (rel === "!==") return `${dl} !== ${sl} || ${dh} !== ${sh}`;
  if (rel === "&") return `(${dl} & ${sl}) !== 0 || (${dh} & ${sh}) !== 0`;
  const strict = STRICT[rel]!;
  const dhv = d.signed ? dh : u(dh);
  const shv = d.signed ? sh : x ? u(sh) : num((imm >> 31) >>> 0, pc);
  // When both high halves are the literal 0 (trusted facts, or K with a small imm), this
  // reduces to the low-half compare after V8's constant folding.
  return `${dhv} ${strict} ${shv} || (${dh} === ${sh} && ${u(dl)} ${rel} ${slu})`;
}
