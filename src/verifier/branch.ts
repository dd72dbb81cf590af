/**
 * Conditional jumps over scalars: deciding a branch from bounds (kernel `is_branch_taken`)
 * and narrowing both operands on each side (kernel `reg_set_min_max`). 64-bit jumps narrow
 * the 64-bit bounds, JMP32 jumps the 32-bit ones; `sync` then propagates between views.
 * Deliberately absent: pointer comparisons (handled by the caller: NULL checks, packet
 * ranges) and the kernel's linked-register deltas (`r2 = r1 + 1` ids).
 */
import { U32, tnum, tnumAnd, tnumConst, tnumIntersect, tnumOr, tnumSubreg, tnumWithSubreg } from "./tnum.js";
import { isEmpty, sync, type Scalar } from "./scalar.js";

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

export const negate = (op: CmpOp): CmpOp => NEGATE[op];

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

function unview(s: Scalar, v: View, w32: boolean): Scalar {
  if (w32) {
    const t = tnumWithSubreg(s.t, tnum(v.tv, v.tm));
    return sync({ ...s, t, u32min: v.umin, u32max: v.umax, s32min: v.smin, s32max: v.smax });
  }
  return sync({ ...s, t: tnum(v.tv, v.tm), umin: v.umin, umax: v.umax, smin: v.smin, smax: v.smax });
}

function sameView(p: View, q: View): boolean {
  return p.umin === q.umin && p.umax === q.umax && p.smin === q.smin && p.smax === q.smax && p.tv === q.tv && p.tm === q.tm;
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
      let r: 1 | 0 | -1 = -1;
      if (yc && (x.tv & y.tv) !== 0n) r = 1;
      else if (((x.tv | x.tm) & (y.tv | y.tm)) === 0n) r = 0;
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
 * The operands after assuming `a OP b` is `taken` (true) or not; null when that side is
 * impossible (its bounds became empty).
 */
export function narrow(op: CmpOp, a: Scalar, b: Scalar, w32: boolean, taken: boolean): [Scalar, Scalar] | null {
  const o = taken ? op : NEGATE[op];
  const x = view(a, w32);
  const y = view(b, w32);
  if (x.umin > x.umax || y.umin > y.umax) return null;
  const x0 = { ...x };
  const y0 = { ...y };
  narrowViews(o, x, y, w32);
  if (x.umin > x.umax || x.smin > x.smax || y.umin > y.umax || y.smin > y.smax) return null;
  // Only re-synchronise an operand whose view actually changed (sync is the costly part).
  const na = sameView(x, x0) ? a : unview(a, x, w32);
  const nb = sameView(y, y0) ? b : unview(b, y, w32);
  if (isEmpty(na) || isEmpty(nb)) return null;
  return [na, nb];
}

