/**
 * Branch conditions of JMP (64-bit compare) and JMP32 (low halves only) as JS boolean
 * expressions over int32 halves (bpf-isa-summary §3.3). K operands are imm sign-extended to
 * 64 bits even for unsigned compares (`j-signed-imm.data`), emitted as two literals so V8
 * folds the high-half compare. Unsigned compares take `>>> 0` views; 64-bit compares look at
 * the high halves first and at the low halves only when those are equal.
 * Returns undefined for an operation code that is not a conditional jump.
 */
import {
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JMP32,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_X,
  opClass,
  opCode,
  opSource,
  type Insn,
} from "../isa.js";
import { hiRead, lo, num, type EmitCtx } from "./source.js";

const REL: ReadonlyMap<number, { readonly op: string; readonly signed: boolean }> = new Map([
  [BPF_JGT, { op: ">", signed: false }],
  [BPF_JGE, { op: ">=", signed: false }],
  [BPF_JLT, { op: "<", signed: false }],
  [BPF_JLE, { op: "<=", signed: false }],
  [BPF_JSGT, { op: ">", signed: true }],
  [BPF_JSGE, { op: ">=", signed: true }],
  [BPF_JSLT, { op: "<", signed: true }],
  [BPF_JSLE, { op: "<=", signed: true }],
]);

/** The strict version of a relation, for the high-half test of a 64-bit compare. */
const STRICT: Readonly<Record<string, string>> = { ">": ">", ">=": ">", "<": "<", "<=": "<" };

export function branchCondition(ctx: EmitCtx, insn: Insn): string | undefined {
  const { pc } = ctx;
  const x = opSource(insn.opcode) === BPF_X;
  const is32 = opClass(insn.opcode) === BPF_JMP32;
  const code = opCode(insn.opcode);
  const imm = insn.imm | 0;
  const dl = lo(insn.dst, pc);
  const sl = x ? lo(insn.src, pc) : num(imm, pc);
  const u = (e: string): string => `(${e} >>> 0)`;
  const slu = x ? u(sl) : num(imm >>> 0, pc);
  if (is32) {
    switch (code) {
      case BPF_JEQ:
        return `${dl} === ${sl}`;
      case BPF_JNE:
        return `${dl} !== ${sl}`;
      case BPF_JSET:
        return `(${dl} & ${sl}) !== 0`;
    }
    const r = REL.get(code);
    if (r === undefined) return undefined;
    return r.signed ? `${dl} ${r.op} ${sl}` : `${u(dl)} ${r.op} ${slu}`;
  }
  const dh = hiRead(ctx, insn.dst);
  const sh = x ? hiRead(ctx, insn.src) : num(imm >> 31, pc);
  switch (code) {
    case BPF_JEQ:
      return `${dl} === ${sl} && ${dh} === ${sh}`;
    case BPF_JNE:
      return `${dl} !== ${sl} || ${dh} !== ${sh}`;
    case BPF_JSET:
      return `(${dl} & ${sl}) !== 0 || (${dh} & ${sh}) !== 0`;
  }
  const r = REL.get(code);
  if (r === undefined) return undefined;
  const strict = STRICT[r.op]!;
  const dhv = r.signed ? dh : u(dh);
  const shv = r.signed ? sh : x ? u(sh) : num((imm >> 31) >>> 0, pc);
  // When both high halves are the literal 0 (trusted facts, or K with a small imm), this
  // reduces to the low-half compare after V8's constant folding.
  return `${dhv} ${strict} ${shv} || (${dh} === ${sh} && ${u(dl)} ${r.op} ${slu})`;
}
