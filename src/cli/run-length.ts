/**
 * Run-length compression of repeated subsequences, for long paths through loops: a rejection
 * after 60 loop iterations prints `3 -> 2 (x60)` instead of sixty copies, and a loop body with
 * several branches `(5 -> 7, 9 -> 2) (x30)`. Greedy from the left: at each position the period
 * whose repetition covers the most items wins (the shorter period on a tie), and a repeated unit
 * is itself compressed, so nested loops nest.
 */

export type Run<T> = { readonly item: T } | { readonly unit: readonly Run<T>[]; readonly times: number };

/** Longest period looked for; loop bodies on a verifier path are short. */
const MAX_PERIOD = 64;

export function compressRuns<T>(items: readonly T[], maxPeriod = MAX_PERIOD): Run<T>[] {
  // Compare by identity of interned values, so strings compare in O(1).
  const ids = new Map<T, number>();
  const seq = items.map((x) => {
    let id = ids.get(x);
    if (id === undefined) ids.set(x, (id = ids.size));
    return id;
  });
  return compressIds(items, seq, 0, seq.length, maxPeriod);
}

function compressIds<T>(
  items: readonly T[],
  seq: readonly number[],
  from: number,
  to: number,
  maxPeriod: number,
): Run<T>[] {
  const out: Run<T>[] = [];
  let i = from;
  while (i < to) {
    let bestP = 0;
    let bestK = 1;
    const limit = Math.min(maxPeriod, Math.floor((to - i) / 2));
    for (let p = 1; p <= limit; p++) {
      let k = 1;
      while (i + (k + 1) * p <= to && same(seq, i, i + k * p, p)) k++;
      if (k >= 2 && p * k > bestP * bestK) {
        bestP = p;
        bestK = k;
      }
    }
    if (bestP === 0) {
      out.push({ item: items[i]! });
      i++;
    } else {
      out.push({ unit: compressIds(items, seq, i, i + bestP, maxPeriod), times: bestK });
      i += bestP * bestK;
    }
  }
  return out;
}

function same(seq: readonly number[], a: number, b: number, n: number): boolean {
  for (let j = 0; j < n; j++) if (seq[a + j] !== seq[b + j]) return false;
  return true;
}

/** The runs back as the items they stand for. */
export function expandRuns<T>(runs: readonly Run<T>[]): T[] {
  const out: T[] = [];
  for (const r of runs) {
    if ("item" in r) out.push(r.item);
    else {
      const unit = expandRuns(r.unit);
      for (let k = 0; k < r.times; k++) out.push(...unit);
    }
  }
  return out;
}

/** `a, b (x3), (c, d) (x2)`. */
export function formatRuns(runs: readonly Run<string>[]): string {
  return runs
    .map((r) => {
      if ("item" in r) return r.item;
      const inner = formatRuns(r.unit);
      return `${r.unit.length === 1 && "item" in r.unit[0]! ? inner : `(${inner})`} (x${r.times})`;
    })
    .join(", ");
}
