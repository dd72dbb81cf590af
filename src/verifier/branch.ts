/**
 * Conditional jumps over scalars: deciding a branch from bounds (kernel `is_branch_taken`)
 * and narrowing both operands on each side (kernel `reg_set_min_max`). 64-bit jumps narrow
 * the 64-bit bounds, JMP32 jumps the 32-bit ones; `sync` then propagates between views.
 * Both widths work on one "view" of (hi, lo) int32 pairs (pair.ts): a 32-bit view has its
 * unsigned values zero-extended and its signed values sign-extended, so one set of 64-bit
 * comparisons serves both.
 * Deliberately absent: pointer comparisons (handled by the caller: NULL checks, packet
 * ranges).
 */
import { add, sle, slt, sub, ule, ult, out } from "./pair.js";
import { Tnum, tnum, tnumAnd, tnumOr, tnumSubreg, tnumWithSubreg } from "./tnum.js";
import { Scalar, isEmpty, sync, unknownWithTnum, violation } from "./scalar.js";

export type CmpOp = "eq" | "ne" | "gt" | "ge" | "lt" | "le" | "sgt" | "sge" | "slt" | "sle" | "set" | "nset";

const NEGATE: Readonly<Record<CmpOp, CmpOp>> = {
  eq: "ne",
  ne: "eq",
  gt: "le",
  le: "gt",
  ge: "lt",
  lt: "ge",
  sgt: "sle",
  sle: "sgt",
  sge: "slt",
  slt: "sge",
  set: "nset",
  nset: "set",
};

/** The same comparison with operands swapped (a OP b == b SWAP(OP) a). */
const SWAP: Readonly<Record<CmpOp, CmpOp>> = {
  eq: "eq",
  ne: "ne",
  gt: "lt",
  lt: "gt",
  ge: "le",
  le: "ge",
  sgt: "slt",
  slt: "sgt",
  sge: "sle",
  sle: "sge",
  set: "set",
  nset: "nset",
};

/** One operand as a comparison of the given width sees it. */
class View {
  uminH = 0;
  uminL = 0;
  umaxH = 0;
  umaxL = 0;
  sminH = 0;
  sminL = 0;
  smaxH = 0;
  smaxL = 0;
  tvh = 0;
  tvl = 0;
  tmh = 0;
  tml = 0;
}

// The views of one call (branchTaken and narrow are not re-entered while these are in use).
const VX = new View();
const VY = new View();
const VX0 = new View();
const VY0 = new View();

function view(v: View, s: Scalar, w32: boolean): View {
  if (w32) {
    v.uminH = 0;
    v.uminL = s.u32min;
    v.umaxH = 0;
    v.umaxL = s.u32max;
    v.sminH = s.s32min >> 31;
    v.sminL = s.s32min;
    v.smaxH = s.s32max >> 31;
    v.smaxL = s.s32max;
    v.tvh = 0;
    v.tvl = s.t.vl;
    v.tmh = 0;
    v.tml = s.t.ml;
    return v;
  }
  v.uminH = s.uminH;
  v.uminL = s.uminL;
  v.umaxH = s.umaxH;
  v.umaxL = s.umaxL;
  v.sminH = s.sminH;
  v.sminL = s.sminL;
  v.smaxH = s.smaxH;
  v.smaxL = s.smaxL;
  v.tvh = s.t.vh;
  v.tvl = s.t.vl;
  v.tmh = s.t.mh;
  v.tml = s.t.ml;
  return v;
}

function copyView(to: View, from: View): View {
  to.uminH = from.uminH;
  to.uminL = from.uminL;
  to.umaxH = from.umaxH;
  to.umaxL = from.umaxL;
  to.sminH = from.sminH;
  to.sminL = from.sminL;
  to.smaxH = from.smaxH;
  to.smaxL = from.smaxL;
  to.tvh = from.tvh;
  to.tvl = from.tvl;
  to.tmh = from.tmh;
  to.tml = from.tml;
  return to;
}

const isConstView = (v: View): boolean => v.tmh === 0 && v.tml === 0;

/** Exactly one bit set in (h, l)? */
function onlyOneBit(h: number, l: number): boolean {
  if (h === 0) return l !== 0 && (l & (l - 1)) === 0;
  return l === 0 && (h & (h - 1)) === 0;
}

/**
 * `jset` against a constant (either operand; kernel regs_refine_cond_op). Taken: a single
 * bit becomes known set, the ranges stay. Not taken: the constant's bits become known
 * clear, and the kernel first forgets every range of that register (__mark_reg_unbounded,
 * "to avoid invariant violations if we're on a dead branch"), so only the tnum's bounds
 * remain — wider than the range it had (corpus 456-458).
 */
function narrowJset(o: "set" | "nset", a: Scalar, b: Scalar, x: View, y: View, w32: boolean): [Scalar, Scalar] {
  const bConst = isConstView(y);
  if (!bConst && !isConstView(x)) return [a, b];
  const reg = bConst ? a : b;
  const valH = bConst ? y.tvh : x.tvh;
  const valL = bConst ? y.tvl : x.tvl;
  let t: Tnum;
  if (o === "set") {
    if (!onlyOneBit(valH, valL)) return [a, b];
    const bit = new Tnum(valH, valL, 0, 0);
    t = w32 ? tnumWithSubreg(reg.t, tnumOr(tnumSubreg(reg.t), bit)) : tnumOr(reg.t, bit);
    const v = view(bConst ? VX : VY, reg, w32);
    v.tvh = w32 ? 0 : t.vh;
    v.tvl = t.vl;
    v.tmh = w32 ? 0 : t.mh;
    v.tml = t.ml;
    const r = settle(reg, v, w32);
    return bConst ? [r, b] : [a, r];
  }
  const clear = new Tnum(w32 ? 0 : ~valH, ~valL, 0, 0);
  t = w32 ? tnumWithSubreg(reg.t, tnumAnd(tnumSubreg(reg.t), clear)) : tnumAnd(reg.t, clear);
  const r = unknownWithTnum(t);
  return bConst ? [r, b] : [a, r];
}

function rawView(s: Scalar, v: View, w32: boolean): Scalar {
  if (w32) {
    const t = tnumWithSubreg(s.t, tnum(0, v.tvl, 0, v.tml));
    return new Scalar(
      t,
      s.sminH,
      s.sminL,
      s.smaxH,
      s.smaxL,
      s.uminH,
      s.uminL,
      s.umaxH,
      s.umaxL,
      v.sminL,
      v.smaxL,
      v.uminL,
      v.umaxL,
    );
  }
  return new Scalar(
    tnum(v.tvh, v.tvl, v.tmh, v.tml),
    v.sminH,
    v.sminL,
    v.smaxH,
    v.smaxL,
    v.uminH,
    v.uminL,
    v.umaxH,
    v.umaxL,
    s.s32min,
    s.s32max,
    s.u32min,
    s.u32max,
  );
}

function settle(s: Scalar, v: View, w32: boolean): Scalar {
  const raw = rawView(s, v, w32);
  const r = sync(raw);
  return isEmpty(r) ? violation(raw) : r;
}

function sameView(p: View, q: View): boolean {
  return (
    p.uminH === q.uminH &&
    p.uminL === q.uminL &&
    p.umaxH === q.umaxH &&
    p.umaxL === q.umaxL &&
    p.sminH === q.sminH &&
    p.sminL === q.sminL &&
    p.smaxH === q.smaxH &&
    p.smaxL === q.smaxL &&
    p.tvh === q.tvh &&
    p.tvl === q.tvl &&
    p.tmh === q.tmh &&
    p.tml === q.tml
  );
}

/** 1: always taken, 0: never taken, -1: unknown. */
export function branchTaken(op: CmpOp, a: Scalar, b: Scalar, w32: boolean): 1 | 0 | -1 {
  const x = view(VX, a, w32);
  const y = view(VY, b, w32);
  const xc = isConstView(x);
  const yc = isConstView(y);
  switch (op) {
    case "eq":
    case "ne": {
      let r: 1 | 0 | -1 = -1;
      if (xc && yc) r = x.tvh === y.tvh && x.tvl === y.tvl ? 1 : 0;
      else if (
        ult(y.umaxH, y.umaxL, x.uminH, x.uminL) ||
        ult(x.umaxH, x.umaxL, y.uminH, y.uminL) ||
        slt(y.smaxH, y.smaxL, x.sminH, x.sminL) ||
        slt(x.smaxH, x.smaxL, y.sminH, y.sminL)
      )
        r = 0;
      else if (((x.tvh ^ y.tvh) & ~(x.tmh | y.tmh)) !== 0 || ((x.tvl ^ y.tvl) & ~(x.tml | y.tml)) !== 0) r = 0;
      // A 64-bit comparison also looks at the 32-bit ranges (kernel is_scalar_branch_taken).
      else if (
        !w32 &&
        (a.u32min >>> 0 > b.u32max >>> 0 ||
          a.u32max >>> 0 < b.u32min >>> 0 ||
          a.s32min > b.s32max ||
          a.s32max < b.s32min)
      )
        r = 0;
      if (r === -1 || op === "eq") return r;
      return r === 1 ? 0 : 1;
    }
    case "gt":
      return ult(y.umaxH, y.umaxL, x.uminH, x.uminL) ? 1 : ule(x.umaxH, x.umaxL, y.uminH, y.uminL) ? 0 : -1;
    case "ge":
      return ule(y.umaxH, y.umaxL, x.uminH, x.uminL) ? 1 : ult(x.umaxH, x.umaxL, y.uminH, y.uminL) ? 0 : -1;
    case "lt":
      return ult(x.umaxH, x.umaxL, y.uminH, y.uminL) ? 1 : ule(y.umaxH, y.umaxL, x.uminH, x.uminL) ? 0 : -1;
    case "le":
      return ule(x.umaxH, x.umaxL, y.uminH, y.uminL) ? 1 : ult(y.umaxH, y.umaxL, x.uminH, x.uminL) ? 0 : -1;
    case "sgt":
      return slt(y.smaxH, y.smaxL, x.sminH, x.sminL) ? 1 : sle(x.smaxH, x.smaxL, y.sminH, y.sminL) ? 0 : -1;
    case "sge":
      return sle(y.smaxH, y.smaxL, x.sminH, x.sminL) ? 1 : slt(x.smaxH, x.smaxL, y.sminH, y.sminL) ? 0 : -1;
    case "slt":
      return slt(x.smaxH, x.smaxL, y.sminH, y.sminL) ? 1 : sle(y.smaxH, y.smaxL, x.sminH, x.sminL) ? 0 : -1;
    case "sle":
      return sle(x.smaxH, x.smaxL, y.sminH, y.sminL) ? 1 : slt(y.smaxH, y.smaxL, x.sminH, x.sminL) ? 0 : -1;
    case "set":
    case "nset": {
      // Only against a constant, on either side (kernel is_scalar_branch_taken, BPF_JSET).
      let r: 1 | 0 | -1 = -1;
      const v = yc ? x : y;
      const c = yc ? y : x;
      if (!yc && !xc) r = -1;
      else if ((v.tvh & c.tvh) !== 0 || (v.tvl & c.tvl) !== 0) r = 1;
      else if (((v.tvh | v.tmh) & c.tvh) === 0 && ((v.tvl | v.tml) & c.tvl) === 0) r = 0;
      if (r === -1 || op === "set") return r;
      return r === 1 ? 0 : 1;
    }
  }
}

/**
 * Narrow x and y assuming `x OP y` holds (never set/nset: see narrowJset); mutates the views.
 * Mirrors the kernel's regs_refine_cond_op case by case, so the unsigned and signed cases are
 * written twice, as there: a shared helper would hide which kernel case each line is.
 */
function narrowViews(op: CmpOp, x: View, y: View, w32: boolean): void {
  switch (op) {
    case "eq": {
      const conflict = ((x.tvh ^ y.tvh) & ~(x.tmh | y.tmh)) !== 0 || ((x.tvl ^ y.tvl) & ~(x.tml | y.tml)) !== 0;
      // Both sides get the intersection of ranges and tnums.
      const [uminH, uminL] = ult(x.uminH, x.uminL, y.uminH, y.uminL) ? [y.uminH, y.uminL] : [x.uminH, x.uminL];
      const [umaxH, umaxL] = ult(y.umaxH, y.umaxL, x.umaxH, x.umaxL) ? [y.umaxH, y.umaxL] : [x.umaxH, x.umaxL];
      const [sminH, sminL] = slt(x.sminH, x.sminL, y.sminH, y.sminL) ? [y.sminH, y.sminL] : [x.sminH, x.sminL];
      const [smaxH, smaxL] = slt(y.smaxH, y.smaxL, x.smaxH, x.smaxL) ? [y.smaxH, y.smaxL] : [x.smaxH, x.smaxL];
      const mh = x.tmh & y.tmh;
      const ml = x.tml & y.tml;
      const vh = (x.tvh | y.tvh) & ~mh;
      const vl = (x.tvl | y.tvl) & ~ml;
      for (const v of [x, y]) {
        v.uminH = uminH;
        v.uminL = uminL;
        v.umaxH = umaxH;
        v.umaxL = umaxL;
        v.sminH = sminH;
        v.sminL = sminL;
        v.smaxH = smaxH;
        v.smaxL = smaxL;
        v.tvh = vh;
        v.tvl = vl;
        v.tmh = mh;
        v.tml = ml;
      }
      if (conflict) {
        // empty: umin = umax + 1
        add(x.umaxH, x.umaxL, 0, 1);
        x.uminH = out.h;
        x.uminL = out.l;
      }
      return;
    }
    case "ne":
      // Only a constant operand lets us shave an end point off the other's range.
      shaveConst(x, y, w32);
      shaveConst(y, x, w32);
      return;
    case "gt":
      add(y.uminH, y.uminL, 0, 1);
      if (ult(x.uminH, x.uminL, out.h, out.l)) {
        x.uminH = out.h;
        x.uminL = out.l;
      }
      sub(x.umaxH, x.umaxL, 0, 1);
      if (ult(out.h, out.l, y.umaxH, y.umaxL)) {
        y.umaxH = out.h;
        y.umaxL = out.l;
      }
      return;
    case "ge":
      if (ult(x.uminH, x.uminL, y.uminH, y.uminL)) {
        x.uminH = y.uminH;
        x.uminL = y.uminL;
      }
      if (ult(x.umaxH, x.umaxL, y.umaxH, y.umaxL)) {
        y.umaxH = x.umaxH;
        y.umaxL = x.umaxL;
      }
      return;
    case "sgt":
      add(y.sminH, y.sminL, 0, 1);
      if (slt(x.sminH, x.sminL, out.h, out.l)) {
        x.sminH = out.h;
        x.sminL = out.l;
      }
      sub(x.smaxH, x.smaxL, 0, 1);
      if (slt(out.h, out.l, y.smaxH, y.smaxL)) {
        y.smaxH = out.h;
        y.smaxL = out.l;
      }
      return;
    case "sge":
      if (slt(x.sminH, x.sminL, y.sminH, y.sminL)) {
        x.sminH = y.sminH;
        x.sminL = y.sminL;
      }
      if (slt(x.smaxH, x.smaxL, y.smaxH, y.smaxL)) {
        y.smaxH = x.smaxH;
        y.smaxL = x.smaxL;
      }
      return;
    case "lt":
    case "le":
    case "slt":
    case "sle":
      narrowViews(SWAP[op], y, x, w32);
      return;
    default:
      return;
  }
}

/** `a != c` for a constant c: an end of a's ranges equal to c moves inwards by one. */
function shaveConst(a: View, c: View, w32: boolean): void {
  if (!isConstView(c)) return;
  const kh = c.tvh;
  const kl = c.tvl;
  const skh = w32 ? kl >> 31 : kh;
  if (a.uminH === kh && a.uminL === kl) {
    add(a.uminH, a.uminL, 0, 1);
    a.uminH = out.h;
    a.uminL = out.l;
  }
  if (a.umaxH === kh && a.umaxL === kl) {
    sub(a.umaxH, a.umaxL, 0, 1);
    a.umaxH = out.h;
    a.umaxL = out.l;
  }
  if (a.sminH === skh && a.sminL === kl) {
    add(a.sminH, a.sminL, 0, 1);
    a.sminH = out.h;
    a.sminL = out.l;
  }
  if (a.smaxH === skh && a.smaxL === kl) {
    sub(a.smaxH, a.smaxL, 0, 1);
    a.smaxH = out.h;
    a.smaxL = out.l;
  }
}

/**
 * The operands after assuming `a OP b` is `taken` (true) or not; null only for an operand
 * that was already empty. Like the kernel, contradictory narrowed bounds do not make a side
 * impossible (branchTaken decides sides; see settle).
 */
export function narrow(op: CmpOp, a: Scalar, b: Scalar, w32: boolean, taken: boolean): [Scalar, Scalar] | null {
  const o = taken ? op : NEGATE[op];
  const x = view(VX, a, w32);
  const y = view(VY, b, w32);
  if (ult(x.umaxH, x.umaxL, x.uminH, x.uminL) || ult(y.umaxH, y.umaxL, y.uminH, y.uminL)) return null;
  if (o === "set" || o === "nset") return narrowJset(o, a, b, x, y, w32);
  const x0 = copyView(VX0, x);
  const y0 = copyView(VY0, y);
  narrowViews(o, x, y, w32);
  // Only re-synchronise an operand whose view actually changed (sync is the costly part).
  // Contradictory bounds do not make the side impossible for the kernel: that operand loses
  // its bounds and keeps its tnum (scalar.ts violation), and the side is explored. The second
  // operand's view is read before the first is settled (settle does not touch the views).
  const na = sameView(x, x0) ? a : settle(a, x, w32);
  const nb = sameView(y, y0) ? b : settle(b, y, w32);
  return [na, nb];
}
