/**
 * Conditional jumps over registers of any type: scalar comparisons decided or narrowed by
 * branch.ts (narrowing copied to every register linked by id), NULL checks of or_null
 * pointers (kernel `mark_ptr_or_null_regs`: all copies with the same id become the
 * non-NULL type on one side and the scalar 0 on the other), non-NULL pointers compared
 * with 0 (decided), and `data + N` against `data_end` (packet range).
 */
import { BPF_JMP32, BPF_K, OP_COUNT, OP_DESC, Op } from "../vm/isa.js";
import { branchTaken, narrow, type CmpOp } from "./branch.js";
import type { Env } from "./env.js";
import type { OwnInsn } from "./own-insns.js";
import { alu64, isConstZero, scalarConst, type Scalar } from "./scalar.js";
import { cloneState, constReg, isOrNull, isPointer, regWith, withScalar, type Reg, type VState } from "./state.js";

/** The comparison (branch.ts) a conditional jump makes, whatever its width and operand. */
function cmpOf(op: Op): CmpOp | undefined {
  switch (op) {
    case Op.JEQ_K:
    case Op.JEQ_X:
    case Op.JEQ32_K:
    case Op.JEQ32_X:
      return "eq";
    case Op.JNE_K:
    case Op.JNE_X:
    case Op.JNE32_K:
    case Op.JNE32_X:
      return "ne";
    case Op.JGT_K:
    case Op.JGT_X:
    case Op.JGT32_K:
    case Op.JGT32_X:
      return "gt";
    case Op.JGE_K:
    case Op.JGE_X:
    case Op.JGE32_K:
    case Op.JGE32_X:
      return "ge";
    case Op.JLT_K:
    case Op.JLT_X:
    case Op.JLT32_K:
    case Op.JLT32_X:
      return "lt";
    case Op.JLE_K:
    case Op.JLE_X:
    case Op.JLE32_K:
    case Op.JLE32_X:
      return "le";
    case Op.JSGT_K:
    case Op.JSGT_X:
    case Op.JSGT32_K:
    case Op.JSGT32_X:
      return "sgt";
    case Op.JSGE_K:
    case Op.JSGE_X:
    case Op.JSGE32_K:
    case Op.JSGE32_X:
      return "sge";
    case Op.JSLT_K:
    case Op.JSLT_X:
    case Op.JSLT32_K:
    case Op.JSLT32_X:
      return "slt";
    case Op.JSLE_K:
    case Op.JSLE_X:
    case Op.JSLE32_K:
    case Op.JSLE32_X:
      return "sle";
    case Op.JSET_K:
    case Op.JSET_X:
    case Op.JSET32_K:
    case Op.JSET32_X:
      return "set";
    default:
      return undefined;
  }
}

/** `cmpOf` of every `Op`, looked up once per conditional jump checked. */
const CMP: readonly (CmpOp | undefined)[] = Array.from({ length: OP_COUNT }, (_, op) => cmpOf(op as Op));

/** Apply `fn` to every register and spilled register of every frame. */
function mapRegs(st: VState, fn: (r: Reg) => Reg): void {
  for (const f of st.frames) {
    for (let i = 0; i < 11; i++) f.regs[i] = fn(f.regs[i]!);
    for (let s = 0; s < f.stack.length; s++) {
      const slot = f.stack[s];
      if (slot?.spill === undefined) continue;
      const r = fn(slot.spill);
      if (r !== slot.spill) f.stack[s] = { kinds: slot.kinds, spill: r };
    }
  }
}

/**
 * Narrow `r` to `s` and every scalar linked to it (kernel sync_linked_regs): a copy gets the
 * same value, a "link + delta" copy the value shifted by the difference of the deltas.
 */
function setScalar(st: VState, regno: number, r: Reg, s: Scalar): void {
  const frame = st.frames[st.frames.length - 1]!;
  if (r.id !== 0) {
    const mine = r.delta ?? 0;
    for (const f of st.frames) {
      const regs = f.regs;
      for (let i = 0; i < 11; i++) {
        const x = regs[i]!;
        if (x.id === r.id && x.type === "scalar") regs[i] = linkedValue(x, r, s, mine);
      }
      const stack = f.stack;
      for (let k = 0; k < stack.length; k++) {
        const slot = stack[k];
        const sp = slot?.spill;
        if (sp === undefined || sp.id !== r.id || sp.type !== "scalar") continue;
        const n = linkedValue(sp, r, s, mine);
        if (n !== sp) stack[k] = { ...slot!, spill: n };
      }
    }
  }
  if (r.s !== s || frame.regs[regno] !== r) frame.regs[regno] = withScalar(r, s);
}

/** Scalar `x`, linked to `r` (delta `mine`), after r's value became `s`. */
function linkedValue(x: Reg, r: Reg, s: Scalar, mine: number): Reg {
  if (x.delta === r.delta) return x.s === s ? x : withScalar(x, s);
  return withScalar(x, alu64("add", s, scalarConst((x.delta ?? 0) - mine)));
}

function markNull(st: VState, id: number, isNull: boolean): void {
  mapRegs(st, (x) => {
    if (x.id !== id || !isOrNull(x)) return x;
    if (isNull) return constReg(0);
    return regWith(
      x,
      x.type === "map_value_or_null" ? "map_value" : "sock_common",
      x.s,
      x.off,
      0,
      x.range,
      x.precise,
      x.delta,
    );
  });
}

function setPktRange(st: VState, range: number): void {
  mapRegs(st, (x) =>
    x.type === "pkt" && x.id === 0 && (x.range ?? 0) < range
      ? regWith(x, x.type, x.s, x.off, x.id, range, x.precise, x.delta)
      : x,
  );
}

export interface JumpOutcome {
  /** State at the jump target, or null when the jump is never taken. */
  taken: VState | null;
  /** State on the fall-through, or null when the jump is always taken. */
  fall: VState | null;
  /** A comparison of scalars whose outcome was decided by their values (one side impossible). */
  decided?: boolean;
}

/** Evaluate a conditional jump in `env.cur`; the returned states are fresh copies where both sides live. */
export function checkCondJump(env: Env, x: OwnInsn): JumpOutcome {
  const d = OP_DESC[x.op]!;
  const op = CMP[x.op]!;
  const w32 = d.cls === BPF_JMP32;
  const dst = env.readReg(x.dst);
  const useK = d.source === BPF_K;
  const src: Reg = useK ? constReg(w32 ? x.imm >>> 0 : x.imm) : env.readReg(x.src);
  const cur = env.cur;

  if (dst.type === "scalar" && src.type === "scalar") {
    const t = branchTaken(op, dst.s, src.s, w32);
    if (t === 1) return { taken: cur, fall: null, decided: true };
    if (t === 0) return { taken: null, fall: cur, decided: true };
    const yes = narrow(op, dst.s, src.s, w32, true);
    const no = narrow(op, dst.s, src.s, w32, false);
    const takenSt = yes === null ? null : cloneState(cur);
    const fallSt = no === null ? null : cur;
    if (takenSt !== null && yes !== null) {
      if (!useK) setScalar(takenSt, x.src, src, yes[1]);
      setScalar(takenSt, x.dst, dst, yes[0]);
    }
    if (fallSt !== null && no !== null) {
      if (!useK) setScalar(fallSt, x.src, src, no[1]);
      setScalar(fallSt, x.dst, dst, no[0]);
    }
    return { taken: takenSt, fall: fallSt, decided: takenSt === null || fallSt === null };
  }

  // Pointer against the constant 0: NULL checks.
  const zeroOther = (r: Reg): boolean => r.type === "scalar" && isConstZero(r.s);
  const eqNe = op === "eq" || op === "ne";
  for (const [p, other] of [
    [dst, src],
    [src, dst],
  ] as const) {
    // Like the kernel, only a comparison with the immediate 0 is a NULL check (or decides the
    // branch for a valid pointer); against a register holding 0 both sides stay (corpus 265-266).
    if (!isPointer(p) || !zeroOther(other) || !eqNe || w32 || !useK) continue;
    if (isOrNull(p)) {
      const takenSt = cloneState(cur);
      markNull(takenSt, p.id, op === "eq");
      markNull(cur, p.id, op !== "eq");
      return { taken: takenSt, fall: cur };
    }
    // A valid pointer is never NULL.
    return op === "eq" ? { taken: null, fall: cur } : { taken: cur, fall: null };
  }

  if (env.unprivileged && (isPointer(dst) || isPointer(src)) && !(dst.type === "pkt" || src.type === "pkt")) {
    env.reject(`R${isPointer(dst) ? x.dst : x.src} pointer comparison prohibited`, "verify.ptr-cmp");
  }

  // data + N against data_end: the bytes [data, data + N) are inside the packet on one side.
  if (!w32 && isPkt(dst, src)) {
    const pktIsDst = dst.type === "pkt";
    const pkt = pktIsDst ? dst : src;
    if (isConstZero(pkt.s) && pkt.off > 0 && pkt.off <= MAX_PACKET_OFF) {
      // Normalise to "pkt OP end".
      const o: CmpOp = pktIsDst
        ? op
        : (({ gt: "lt", lt: "gt", ge: "le", le: "ge" } as Record<string, CmpOp>)[op] ?? op);
      const takenSt = cloneState(cur);
      // pkt > end / pkt >= end: safe on the fall-through; pkt < end / pkt <= end: on the jump.
      // data + N < data_end proves one byte more than data + N <= data_end.
      if (o === "gt") setPktRange(cur, pkt.off);
      if (o === "ge") setPktRange(cur, pkt.off + 1);
      if (o === "lt") setPktRange(takenSt, pkt.off + 1);
      if (o === "le") setPktRange(takenSt, pkt.off);
      return { taken: takenSt, fall: cur };
    }
  }
  return { taken: cloneState(cur), fall: cur };
}

/** The largest packet offset a range check proves anything for (kernel MAX_PACKET_OFF, find_good_pkt_pointers). */
const MAX_PACKET_OFF = 0xffff;

function isPkt(a: Reg, b: Reg): boolean {
  return (a.type === "pkt" && b.type === "pkt_end") || (a.type === "pkt_end" && b.type === "pkt");
}
