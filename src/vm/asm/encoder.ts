/**
 * Turns one parsed instruction (mnemonic form + operands) into instruction fields, checking
 * operand count, kinds and field ranges. Label targets stay symbolic here; the assembler's
 * second pass resolves them.
 *
 * Range rules (FORMAT.md §2.1): a decimal 32-bit immediate must fit in s32; a hex one must fit in
 * u32 and is a bit pattern (0xffffffff = -1). lddw takes a u64 bit pattern in hex, u64 in
 * decimal, or s64 with a leading '-'. Offsets and 16-bit jump offsets must fit in s16.
 */
import { ParseError, type SourceSpan } from "../../errors.js";
import { ATOMIC_OPS, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, insnOf, Op, type Insn } from "../isa.js";
import { spanOf, type LineRef } from "./lexer.js";
import { describe, type Operand, type Where } from "./operands.js";
import { LOCK_OPS, SIGNATURE, type Form } from "./syntax.js";

/** A parsed instruction whose target label (if any) is not resolved yet. */
export interface Pending {
  readonly insn: Insn;
  readonly slot: number;
  readonly span: SourceSpan;
  readonly target?: { readonly name: string; readonly span: SourceSpan; readonly field: "off" | "imm" };
}

type Num = Operand & { kind: "num" };

const S32_MIN = -(1n << 31n);
const S32_MAX = (1n << 31n) - 1n;
const U32_MAX = (1n << 32n) - 1n;

class InsnParser {
  constructor(
    readonly mnemonic: string,
    readonly form: Form,
    readonly ops: readonly Operand[],
    readonly line: string,
    readonly ref: LineRef,
    readonly at: Where,
  ) {}

  fail(code: string, message: string, w: Where, hint?: string): never {
    throw new ParseError(code, message, spanOf(this.ref, w.col, w.length), hint);
  }

  count(...allowed: number[]): void {
    if (allowed.includes(this.ops.length)) return;
    const n = allowed[0]!;
    const sig = SIGNATURE[this.form.form];
    const expects = n === 0 ? "no operands" : `${n} operand${n === 1 ? "" : "s"} (${sig})`;
    const w = this.ops.length > n ? this.ops[n]! : this.at;
    this.fail("asm.operand-count", `'${this.mnemonic}' expects ${expects}, got ${this.ops.length}`, w);
  }

  reg(i: number): number {
    const op = this.ops[i]!;
    if (op.kind !== "reg")
      this.fail("asm.expected-register", `expected a register %r0..%r10, got ${describe(op, this.line)}`, op);
    return op.reg;
  }

  num(i: number, what = "an immediate"): Num {
    const op = this.ops[i]!;
    if (op.kind !== "num") this.fail("asm.expected-number", `expected ${what}, got ${describe(op, this.line)}`, op);
    return op;
  }

  mem(i: number): { base: number; off: number } {
    const op = this.ops[i]!;
    if (op.kind !== "mem")
      this.fail("asm.expected-memory", `expected a memory operand [%rN+off], got ${describe(op, this.line)}`, op);
    if (op.off < -0x8000n || op.off > 0x7fffn)
      this.fail("asm.offset-range", `offset ${op.off} does not fit in 16 bits`, op.offWhere);
    return { base: op.base, off: Number(op.off) };
  }

  imm32(n: Num): number {
    const hex = /0x/i.test(n.text);
    const ok = hex && n.value >= 0n ? n.value <= U32_MAX : n.value >= S32_MIN && n.value <= S32_MAX;
    if (!ok) {
      const hint =
        !hex && n.value > 0n && n.value <= U32_MAX
          ? `decimal immediates are signed 32-bit; write 0x${n.value.toString(16)} for the bit pattern`
          : undefined;
      this.fail("asm.imm-range", `immediate ${n.text} does not fit in 32 bits`, n, hint);
    }
    return Number(BigInt.asIntN(32, n.value));
  }

  regOrImm(i: number): { x: boolean; src: number; imm: number } {
    const op = this.ops[i]!;
    if (op.kind === "reg") return { x: true, src: op.reg, imm: 0 };
    if (op.kind === "num") return { x: false, src: 0, imm: this.imm32(op) };
    return this.fail(
      "asm.expected-operand",
      `expected a register %r0..%r10 or an immediate, got ${describe(op, this.line)}`,
      op,
    );
  }

  /** A jump target: a signed number (relative to the next slot) or a label. */
  target(i: number, field: "off" | "imm"): { value: number; label?: Pending["target"] } {
    const op = this.ops[i]!;
    if (op.kind === "word")
      return { value: 0, label: { name: op.name, span: spanOf(this.ref, op.col, op.length), field } };
    if (op.kind !== "num")
      return this.fail(
        "asm.expected-target",
        `expected a jump target (+N, -N or a label), got ${describe(op, this.line)}`,
        op,
      );
    if (field === "off" && (op.value < -0x8000n || op.value > 0x7fffn))
      this.fail("asm.jump-range", `jump offset ${op.value} does not fit in 16 bits`, op);
    if (field === "imm" && (op.value < S32_MIN || op.value > S32_MAX))
      this.fail("asm.jump-range", `jump offset ${op.value} does not fit in 32 bits`, op);
    return { value: Number(op.value) };
  }

  imm64(i: number): { src: number; lo: number; hi: number } {
    const op = this.ops[i]!;
    if (op.kind === "pseudo") return this.pseudo(op);
    const n = this.num(i, "a 64-bit immediate, map_fd(N) or map_value(N, off)");
    if (n.value < -(1n << 63n) || n.value >= 1n << 64n)
      this.fail("asm.imm-range", `immediate ${n.text} does not fit in 64 bits`, n);
    const v = BigInt.asUintN(64, n.value);
    return { src: 0, lo: Number(BigInt.asIntN(32, v)), hi: Number(BigInt.asIntN(32, v >> 32n)) };
  }

  pseudo(op: Operand & { kind: "pseudo" }): { src: number; lo: number; hi: number } {
    const arity: Record<string, number> = { map_fd: 1, map_value: 2, pseudo: 3 };
    const want = arity[op.name];
    if (want === undefined)
      this.fail(
        "asm.unknown-pseudo",
        `unknown pseudo operand '${op.name}(…)'; expected map_fd(fd), map_value(fd, off) or pseudo(src, imm, imm2)`,
        op,
      );
    if (op.args.length !== want)
      this.fail(
        "asm.operand-count",
        `'${op.name}' expects ${want} argument${want === 1 ? "" : "s"}, got ${op.args.length}`,
        op,
      );
    const v = op.args.map((a) => this.imm32(a));
    if (op.name === "map_fd") return { src: BPF_PSEUDO_MAP_FD, lo: v[0]!, hi: 0 };
    if (op.name === "map_value") return { src: BPF_PSEUDO_MAP_VALUE, lo: v[0]!, hi: v[1]! };
    if (v[0]! < 0 || v[0]! > 15) this.fail("asm.src-range", `pseudo src ${v[0]} does not fit in 4 bits`, op.args[0]!);
    return { src: v[0]!, lo: v[1]!, hi: v[2]! };
  }
}

/** Encode one instruction; `slot` is its index (for the pending target). */
export function encodeInstruction(
  mnemonic: string,
  form: Form,
  ops: readonly Operand[],
  line: string,
  ref: LineRef,
  at: Where,
  slot: number,
): Pending {
  const P = new InsnParser(mnemonic, form, ops, line, ref, at);
  // The span covers the whole instruction (not a trailing comment), for verifier/VM carets.
  const code = line.split("#")[0]!.trimEnd();
  const span = spanOf(ref, at.col, Math.max(at.length, code.length - at.col + 1));
  const done = (insn: Insn, target?: Pending["target"]): Pending =>
    target !== undefined ? { insn, slot, span, target } : { insn, slot, span };
  switch (form.form) {
    case "alu": {
      P.count(2);
      const dst = P.reg(0);
      const s = P.regOrImm(1);
      return done(insnOf(s.x ? form.x : form.k, dst, s.src, 0, s.imm));
    }
    case "neg":
      P.count(1);
      return done(insnOf(form.op, P.reg(0)));
    case "movsx":
      P.count(2);
      return done(insnOf(form.op, P.reg(0), P.reg(1)));
    case "end":
      P.count(1);
      return done(insnOf(form.op, P.reg(0)));
    case "lddw": {
      P.count(2);
      const dst = P.reg(0);
      const v = P.imm64(1);
      return done(insnOf(Op.LDDW, dst, v.src, 0, v.lo, v.hi));
    }
    case "ldx": {
      P.count(2);
      const dst = P.reg(0);
      const m = P.mem(1);
      return done(insnOf(form.op, dst, m.base, m.off));
    }
    case "st": {
      P.count(2);
      const m = P.mem(0);
      return done(insnOf(form.op, m.base, 0, m.off, P.imm32(P.num(1))));
    }
    case "stx": {
      P.count(2);
      const m = P.mem(0);
      return done(insnOf(form.op, m.base, P.reg(1), m.off));
    }
    case "ldabs":
      if (form.indirect) {
        P.count(2);
        return done(insnOf(form.op, 0, P.reg(0), 0, P.imm32(P.num(1))));
      }
      P.count(1);
      return done(insnOf(form.op, 0, 0, 0, P.imm32(P.num(0))));
    case "jmp": {
      P.count(3);
      const dst = P.reg(0);
      const s = P.regOrImm(1);
      const t = P.target(2, "off");
      return done(insnOf(s.x ? form.x : form.k, dst, s.src, t.value, s.imm), t.label);
    }
    case "ja": {
      P.count(1);
      // ja32 (gotol) carries its target in imm, ja in off.
      const wide = form.op === Op.JA32;
      const t = P.target(0, wide ? "imm" : "off");
      return done(wide ? insnOf(form.op, 0, 0, 0, t.value) : insnOf(form.op, 0, 0, t.value), t.label);
    }
    case "exit":
      P.count(0);
      return done(insnOf(Op.EXIT));
    case "call":
      return encodeCall(P, done);
    case "lock":
      return encodeLock(P, done);
  }
}

type Done = (insn: Insn, target?: Pending["target"]) => Pending;

/** `call N`, `call %rN` (callx, register in dst), `call local target`, `call helper N|%rN`, `call runtime N` (kfunc).
 * */
function encodeCall(P: InsnParser, done: Done): Pending {
  const first = P.ops[0];
  const kw = first?.kind === "word" ? first.name : undefined;
  if (kw === undefined) {
    P.count(1);
    if (first!.kind === "reg") return done(insnOf(Op.CALLX, first!.reg));
    return done(insnOf(Op.CALL, 0, 0, 0, P.imm32(P.num(0, "a helper id, %rN or 'local target'"))));
  }
  if (kw !== "local" && kw !== "helper" && kw !== "runtime") {
    P.fail(
      "asm.bad-call",
      `expected a helper id, %rN, 'local', 'helper' or 'runtime' after 'call', got '${kw}'`,
      first!,
    );
  }
  if (P.ops.length !== 2) {
    const what =
      kw === "local" ? "a target (+N, -N or a label)" : kw === "helper" ? "a helper id or %rN" : "a function id";
    P.fail(
      "asm.operand-count",
      `'call ${kw}' expects ${what}, got ${P.ops.length - 1} operands`,
      P.ops.length > 2 ? P.ops[2]! : P.at,
    );
  }
  if (kw === "local") {
    const t = P.target(1, "imm");
    return done(insnOf(Op.CALL_LOCAL, 0, 0, 0, t.value), t.label);
  }
  const arg = P.ops[1]!;
  if (kw === "helper" && arg.kind === "reg") return done(insnOf(Op.CALLX, arg.reg));
  const id = P.imm32(P.num(1, "a helper id"));
  return done(insnOf(kw === "runtime" ? Op.CALL_KFUNC : Op.CALL, 0, 0, 0, id));
}

/** `lock [fetch] op[32] [%rD+off], %rS` (FORMAT.md §2.2): xchg/cmpxchg always fetch. */
function encodeLock(P: InsnParser, done: Done): Pending {
  let i = 0;
  const word = (k: number): string | undefined => {
    const o = P.ops[k];
    return o?.kind === "word" ? o.name : undefined;
  };
  const fetch = word(0) === "fetch";
  if (fetch) i++;
  const name = word(i);
  const m = name !== undefined ? /^([a-z]+?)(32)?$/.exec(name) : null;
  const base = m?.[1];
  if (name === undefined || base === undefined || !(LOCK_OPS as readonly string[]).includes(base)) {
    const o = P.ops[i];
    const got = o === undefined ? "end of line" : describe(o, P.line);
    P.fail(
      "asm.bad-atomic",
      `expected an atomic operation (add, and, or, xor, xchg, cmpxchg, optionally with a 32 suffix) after 'lock${fetch ? " fetch" : ""}', got ${got}`,
      o ?? P.at,
    );
  }
  const rest = P.ops.slice(i + 1);
  if (rest.length !== 2) {
    const w = rest.length > 2 ? rest[2]! : P.at;
    P.fail(
      "asm.operand-count",
      `'lock ${fetch ? "fetch " : ""}${name}' expects 2 operands ([%rD+off], %rS), got ${rest.length}`,
      w,
    );
  }
  const mem = P.mem(i + 1);
  const src = P.reg(i + 2);
  const wanted = base === "xchg" || base === "cmpxchg" ? base : fetch ? `fetch ${base}` : base;
  let imm = -1;
  for (const [k, v] of ATOMIC_OPS) if (v === wanted) imm = k;
  return done(insnOf(m![2] !== undefined ? Op.ATOMIC32 : Op.ATOMIC64, mem.base, src, mem.off, imm));
}
