/**
 * "Did you mean …?" for unknown names: the closest candidate by edit distance.
 * Scope: short identifiers (mnemonics, labels); quadratic Levenshtein is fine at that size.
 */

/** Levenshtein distance between `a` and `b` (insert, delete, substitute each cost 1). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min(sub, prev[j]! + 1, cur[j - 1]! + 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `name`, if it is close enough to be a plausible typo: at most 2 edits,
 * and fewer edits than the name has characters (so 'x' does not suggest 'or'). Ties go to the
 * earlier candidate, so callers order candidates by how common they are.
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Math.min(3, name.length);
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
