// TEST ORACLE: the BigInt version the verifier used before src/verifier/tnum.ts and branch.ts
// moved to number pairs; domain.test.ts checks that the new code gives exactly its results.
/**
 * Conditional jumps over scalars: deciding a branch from bounds (kernel `is_branch_taken`)
 * and narrowing both operands on each side (kernel `reg_set_min_max`). 64-bit jumps narrow
 * the 64-bit bounds, JMP32 jumps the 32-bit ones; `sync` then propagates between views.
 * Deliberately absent: pointer comparisons (handled by the caller: NULL checks, packet
 * ranges) and the kernel's linked-register deltas (`r2 = r1 + 1` ids).
 */
import { U32, tnum, tnumAnd, tnumConst, tnumIntersect, tnumOr, tnumSubreg, tnumWithSubreg, type Tnum } from "./tnum.js";
import { UNKNOWN, isEmpty, sync, violation, type Scalar } from "./scalar.js";

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

interface View {
  umin: bigint;
  umax: bigint;
  smin: bigint;
  smax: bigint;
  tv: bigint;
  tm: bigint;
}

function view(s: Scalar, w32: boolean): View {
  if (w32) {
    const st = tnumSubreg(s.t);
    return { umin: s.u32min, umax: s.u32max, smin: s.s32min, smax: s.s32max, tv: st.value, tm: st.mask };
  }
  return { umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax, tv: s.t.value, tm: s.t.mask };
}

/**
 * `jset` against a constant (either operand; kernel regs_refine_cond_op). Taken: a single
 * bit becomes known set, the ranges stay. Not taken: the constant's bits become known
 * clear, and the kernel first forgets every range of that register (__mark_reg_unbounded,
 * "to avoid invariant violations if we're on a dead branch"), so only the tnum's bounds
 * remain — wider than the range it had (corpus 456-458).
 */
function narrowJset(o: "set" | "nset", a: Scalar, b: Scalar, x: View, y: View, w32: boolean): [Scalar, Scalar] {
  const bConst = y.tm === 0n;
  if (!bConst && x.tm !== 0n) return [a, b];
  const reg = bConst ? a : b;
  const val = bConst ? y.tv : x.tv;
  const full = w32 ? U32 : (1n << 64n) - 1n;
  let t: Tnum;
  if (o === "set") {
    if (val === 0n || (val & (val - 1n)) !== 0n) return [a, b];
    t = w32 ? tnumWithSubreg(reg.t, tnumOr(tnumSubreg(reg.t), tnumConst(val))) : tnumOr(reg.t, tnumConst(val));
    const v = view(reg, w32);
    const nv = { ...v, tv: (w32 ? tnumSubreg(t) : t).value, tm: (w32 ? tnumSubreg(t) : t).mask };
    const r = settle(reg, nv, w32);
    return bConst ? [r, b] : [a, r];
  }
  t = w32
    ? tnumWithSubreg(reg.t, tnumAnd(tnumSubreg(reg.t), tnumConst(~val & full)))
    : tnumAnd(reg.t, tnumConst(~val & full));
  const r = sync({ ...UNKNOWN, t });
  return bConst ? [r, b] : [a, r];
}

function rawView(s: Scalar, v: View, w32: boolean): Scalar {
  if (w32)
    return {
      ...s,
      t: tnumWithSubreg(s.t, tnum(v.tv, v.tm)),
      u32min: v.umin,
      u32max: v.umax,
      s32min: v.smin,
      s32max: v.smax,
    };
  return { ...s, t: tnum(v.tv, v.tm), umin: v.umin, umax: v.umax, smin: v.smin, smax: v.smax };
}

function settle(s: Scalar, v: View, w32: boolean): Scalar {
  const raw = rawView(s, v, w32);
  const r = sync(raw);
  return isEmpty(r) ? violation(raw) : r;
}

function sameView(p: View, q: View): boolean {
  return (
    p.umin === q.umin && p.umax === q.umax && p.smin === q.smin && p.smax === q.smax && p.tv === q.tv && p.tm === q.tm
  );
}

/** 1: always taken, 0: never taken, -1: unknown. */
export function branchTaken(op: CmpOp, a: Scalar, b: Scalar, w32: boolean): 1 | 0 | -1 {
  const x = view(a, w32);
  const y = view(b, w32);
  const xc = x.tm === 0n;
  const yc = y.tm === 0n;
  switch (op) {
    case "eq":
    case "ne": {
      let r: 1 | 0 | -1 = -1;
      if (xc && yc) r = x.tv === y.tv ? 1 : 0;
      else if (x.umin > y.umax || x.umax < y.umin || x.smin > y.smax || x.smax < y.smin) r = 0;
      else if (((x.tv ^ y.tv) & ~(x.tm | y.tm)) !== 0n) r = 0;
      // A 64-bit comparison also looks at the 32-bit ranges (kernel is_scalar_branch_taken).
      else if (!w32 && (a.u32min > b.u32max || a.u32max < b.u32min || a.s32min > b.s32max || a.s32max < b.s32min))
        r = 0;
      if (r === -1 || op === "eq") return r;
      return r === 1 ? 0 : 1;
    }
    case "gt":
      return x.umin > y.umax ? 1 : x.umax <= y.umin ? 0 : -1;
    case "ge":
      return x.umin >= y.umax ? 1 : x.umax < y.umin ? 0 : -1;
    case "lt":
      return x.umax < y.umin ? 1 : x.umin >= y.umax ? 0 : -1;
    case "le":
      return x.umax <= y.umin ? 1 : x.umin > y.umax ? 0 : -1;
    case "sgt":
      return x.smin > y.smax ? 1 : x.smax <= y.smin ? 0 : -1;
    case "sge":
      return x.smin >= y.smax ? 1 : x.smax < y.smin ? 0 : -1;
    case "slt":
      return x.smax < y.smin ? 1 : x.smin >= y.smax ? 0 : -1;
    case "sle":
      return x.smax <= y.smin ? 1 : x.smin > y.smax ? 0 : -1;
    case "set":
    case "nset": {
      // Only against a constant, on either side (kernel is_scalar_branch_taken, BPF_JSET).
      let r: 1 | 0 | -1 = -1;
      const [v, c] = yc ? [x, y] : [y, x];
      if (!yc && !xc) r = -1;
      else if ((v.tv & c.tv) !== 0n) r = 1;
      else if (((v.tv | v.tm) & c.tv) === 0n) r = 0;
      if (r === -1 || op === "set") return r;
      return r === 1 ? 0 : 1;
    }
  }
}

const bmax = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const bmin = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** Narrow x and y assuming `x OP y` holds; mutates the views. */
function narrowViews(op: CmpOp, x: View, y: View, w32: boolean): void {
  switch (op) {
    case "eq": {
      const umin = bmax(x.umin, y.umin);
      const umax = bmin(x.umax, y.umax);
      const smin = bmax(x.smin, y.smin);
      const smax = bmin(x.smax, y.smax);
      const conflict = ((x.tv ^ y.tv) & ~(x.tm | y.tm)) !== 0n;
      const t = tnumIntersect(tnum(x.tv, x.tm), tnum(y.tv, y.tm));
      for (const v of [x, y]) {
        v.umin = umin;
        v.umax = umax;
        v.smin = smin;
        v.smax = smax;
        v.tv = t.value;
        v.tm = t.mask;
      }
      if (conflict) x.umin = x.umax + 1n; // empty
      return;
    }
    case "ne": {
      // Only a constant operand lets us shave an end point off the other's range.
      for (const [a, c] of [
        [x, y],
        [y, x],
      ] as const) {
        if (c.tm !== 0n) continue;
        const k = c.tv;
        const sk = w32 ? BigInt.asIntN(32, k) : BigInt.asIntN(64, k);
        if (a.umin === k) a.umin++;
        if (a.umax === k) a.umax--;
        if (a.smin === sk) a.smin++;
        if (a.smax === sk) a.smax--;
      }
      return;
    }
    case "gt":
      x.umin = bmax(x.umin, y.umin + 1n);
      y.umax = bmin(y.umax, x.umax - 1n);
      return;
    case "ge":
      x.umin = bmax(x.umin, y.umin);
      y.umax = bmin(y.umax, x.umax);
      return;
    case "sgt":
      x.smin = bmax(x.smin, y.smin + 1n);
      y.smax = bmin(y.smax, x.smax - 1n);
      return;
    case "sge":
      x.smin = bmax(x.smin, y.smin);
      y.smax = bmin(y.smax, x.smax);
      return;
    case "lt":
    case "le":
    case "slt":
    case "sle":
      narrowViews(SWAP[op], y, x, w32);
      return;
    case "set":
      if (y.tm === 0n && y.tv !== 0n && (y.tv & (y.tv - 1n)) === 0n) {
        const t = tnumOr(tnum(x.tv, x.tm), tnumConst(y.tv));
        x.tv = t.value;
        x.tm = t.mask;
      }
      return;
    case "nset":
      if (y.tm === 0n) {
        const full = w32 ? U32 : (1n << 64n) - 1n;
        const t = tnumAnd(tnum(x.tv, x.tm), tnumConst(~y.tv & full));
        x.tv = t.value;
        x.tm = t.mask;
      }
      return;
  }
}

/**
 * The operands after assuming `a OP b` is `taken` (true) or not; null only for an operand
 * that was already empty. Like the kernel, contradictory narrowed bounds do not make a side
 * impossible (branchTaken decides sides; see settle).
 */
export function narrow(op: CmpOp, a: Scalar, b: Scalar, w32: boolean, taken: boolean): [Scalar, Scalar] | null {
  const o = taken ? op : NEGATE[op];
  const x = view(a, w32);
  const y = view(b, w32);
  if (x.umin > x.umax || y.umin > y.umax) return null;
  if (o === "set" || o === "nset") return narrowJset(o, a, b, x, y, w32);
  const x0 = { ...x };
  const y0 = { ...y };
  narrowViews(o, x, y, w32);
  // Only re-synchronise an operand whose view actually changed (sync is the costly part).
  // Contradictory bounds do not make the side impossible for the kernel: that operand loses
  // its bounds and keeps its tnum (scalar.ts violation), and the side is explored.
  const na = sameView(x, x0) ? a : settle(a, x, w32);
  const nb = sameView(y, y0) ? b : settle(b, y, w32);
  return [na, nb];
}
