/**
 * The language's types and its conversion rules. Integers keep a canonical 64-bit register
 * form: unsigned values zero-extended, signed values sign-extended, so widening is free and
 * narrowing (`as`) is one mask or shift pair. Implicit conversions only ever widen:
 *   uN -> uM (M >= N), iN -> iM (M >= N), uN -> iM (M > N); never bool <-> integer.
 * Untyped constants (literals and their folded combinations) take the type their context asks
 * for, range-checked; with no context they become u32 if they fit, else u64 (i32/i64 if < 0).
 * Deliberately absent: floating point, structs, pointers as values.
 */
export type Bits = 8 | 16 | 32 | 64;
export interface IntTy {
  readonly k: "int";
  readonly bits: Bits;
  readonly signed: boolean;
}
export type Ty =
  | IntTy
  | { readonly k: "bool" }
  | { readonly k: "untyped" }
  | { readonly k: "opt"; readonly inner: Ty }
  | { readonly k: "void" }
  /** Names that are not values (maps, functions, ctx) and error-recovered expressions. */
  | { readonly k: "error" };

export const BOOL: Ty = { k: "bool" };
export const UNTYPED: Ty = { k: "untyped" };
export const VOID: Ty = { k: "void" };
export const ERROR: Ty = { k: "error" };
export const int = (bits: Bits, signed: boolean): IntTy => ({ k: "int", bits, signed });
export const U8 = int(8, false);
export const U16 = int(16, false);
export const U32 = int(32, false);
export const U64 = int(64, false);
export const I64 = int(64, true);

export const SCALAR_TYPES: ReadonlyMap<string, Ty> = new Map<string, Ty>([
  ["u8", U8],
  ["u16", U16],
  ["u32", U32],
  ["u64", U64],
  ["i8", int(8, true)],
  ["i16", int(16, true)],
  ["i32", int(32, true)],
  ["i64", I64],
  ["bool", BOOL],
]);

export function tyName(t: Ty): string {
  switch (t.k) {
    case "int":
      return `${t.signed ? "i" : "u"}${t.bits}`;
    case "opt":
      return `optional ${tyName(t.inner)}`;
    case "untyped":
      return "integer constant";
    default:
      return t.k;
  }
}

export function sameTy(a: Ty, b: Ty): boolean {
  if (a.k === "int" && b.k === "int") return a.bits === b.bits && a.signed === b.signed;
  if (a.k === "opt" && b.k === "opt") return sameTy(a.inner, b.inner);
  return a.k === b.k;
}

/** May a value of `from` be used where `to` is expected without `as`? */
export function widens(from: Ty, to: Ty): boolean {
  if (from.k === "error" || to.k === "error") return true;
  if (from.k !== "int" || to.k !== "int") return sameTy(from, to);
  if (from.signed === to.signed) return to.bits >= from.bits;
  return !from.signed && to.signed && to.bits > from.bits;
}

/** The common type of two integer operands, or null when neither widens to the other. */
export function unify(a: IntTy, b: IntTy): IntTy | null {
  if (widens(a, b)) return b;
  if (widens(b, a)) return a;
  return null;
}

export function rangeOf(t: IntTy): readonly [bigint, bigint] {
  const n = BigInt(t.bits);
  return t.signed ? [-(1n << (n - 1n)), (1n << (n - 1n)) - 1n] : [0n, (1n << n) - 1n];
}

export function fits(v: bigint, t: IntTy): boolean {
  const [lo, hi] = rangeOf(t);
  return v >= lo && v <= hi;
}

/** Wrap an exact value to the type's width and signedness (typed constant folding). */
export function wrap(v: bigint, t: IntTy): bigint {
  return t.signed ? BigInt.asIntN(t.bits, v) : BigInt.asUintN(t.bits, v);
}

/** The type an untyped constant takes with no context. */
export function defaultIntTy(v: bigint): IntTy {
  if (v >= 0n) return v <= 0xffffffffn ? U32 : U64;
  return v >= -(1n << 31n) ? int(32, true) : I64;
}

/**
 * Edit distance for "did you mean" hints: insertions, deletions, substitutions and swaps of
 * two neighbouring characters each cost 1 (optimal string alignment), so `u23` is one edit
 * from `u32` and `rnadom` one from `random`.
 */
export function editDistance(a: string, b: string): number {
  let prev2: number[] = [];
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur.push(d);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The closest candidate, if it is a plausible typo: at most a third of the name's length in
 * edits (rounded up, at least 1), and fewer edits than either word has characters (so `x` does
 * not suggest `on`). Case is ignored; ties go to the earlier candidate.
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(1, Math.ceil(name.length / 3)) + 1;
  for (const c of candidates) {
    if (c === name) continue;
    const dist = editDistance(name.toLowerCase(), c.toLowerCase());
    if (dist >= name.length || dist >= c.length) continue;
    // On a tie, an abbreviation (`cnts` of `counts`) beats an unrelated word of the same distance.
    if (
      dist < bestD ||
      (dist === bestD && best !== undefined && isSubsequence(name, c) && !isSubsequence(name, best))
    ) {
      bestD = dist;
      best = c;
    }
  }
  return best;
}

function isSubsequence(short: string, long: string): boolean {
  let i = 0;
  for (const ch of long.toLowerCase()) if (ch === short[i]?.toLowerCase()) i++;
  return i === short.length;
}

/** `did you mean \`x\`?` for the closest candidate (closestName), or undefined. */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  const best = closestName(name, candidates);
  return best === undefined ? undefined : `did you mean \`${best}\`?`;
}
