/**
 * Structured control flow for the JIT: turns the block graph into properly nested JS scopes so
 * that jumps become `break`/`continue` instead of a trip through the `switch` dispatcher
 * (V8 optimises the structured form markedly better: fewer loop phis, no dispatch compare).
 *
 * Blocks stay in slot order. A backward edge to header H from blocks up to E makes a loop scope
 * `L<H>: for (;;) { …blocks H..E…; break L<H>; }` (a jump to H is `continue L<H>`); a forward
 * edge to T (other than plain fallthrough into the next block) makes a block scope
 * `B<T>: { … }` that closes just before T (a jump to T is `break B<T>`). Scopes must nest:
 * a loop may be widened to cover a loop that overlaps its end, and a block scope may start
 * earlier to enclose what it overlaps; a forward jump into the middle of a loop from outside
 * (a loop with two entries) cannot be nested, and the caller falls back to the dispatcher, as
 * it does for programs with local calls (their returns are computed jumps).
 */

/** Deepest scope nesting emitted; beyond it the caller falls back to the dispatcher. */
export const MAX_NESTING = 200;

export interface Scope {
  readonly kind: "loop" | "block";
  /** Target block index: the loop header, or the block a block scope closes before. */
  readonly target: number;
  /** First and last block index covered (inclusive). */
  readonly first: number;
  readonly last: number;
}

export interface Structure {
  /** Scopes opened before block i, outermost first. */
  readonly opens: readonly (readonly Scope[])[];
  /** Scopes closed after block i, innermost first. */
  readonly closes: readonly (readonly Scope[])[];
}

/**
 * `edges[i]` lists the block indexes block i may jump to (excluding fallthrough into block
 * i + 1, which needs no scope). Returns undefined when the graph cannot be nested.
 */
export function structure(blockCount: number, edges: readonly (readonly number[])[]): Structure | undefined {
  const loopEnd = new Map<number, number>(); // header -> last block
  const blockStart = new Map<number, number>(); // target -> first block
  edges.forEach((targets, i) => {
    for (const t of targets) {
      if (t <= i) loopEnd.set(t, Math.max(loopEnd.get(t) ?? t, i));
      else if (t > i + 1) blockStart.set(t, Math.min(blockStart.get(t) ?? i, i));
    }
  });
  // Widen until everything nests (each step only grows an interval, so this terminates).
  for (let changed = true, rounds = 0; changed; rounds++) {
    if (rounds > 64) return undefined; // not converging: let the dispatcher handle it
    changed = false;
    for (const [h1, e1] of loopEnd) {
      for (const [h2, e2] of loopEnd) {
        if (h1 < h2 && h2 <= e1 && e1 < e2) {
          loopEnd.set(h1, e2);
          changed = true;
        }
      }
    }
    for (const [t, s] of blockStart) {
      const last = t - 1;
      for (const [h, e] of loopEnd) {
        if (s < h && h <= last && last < e) return undefined; // second entry into a loop
        if (h < s && s <= e && e < last) {
          blockStart.set(t, h);
          changed = true;
        }
      }
      for (const [t2, s2] of blockStart) {
        const last2 = t2 - 1;
        const cur = blockStart.get(t)!;
        if (s2 < cur && cur <= last2 && last2 < last) {
          blockStart.set(t, s2);
          changed = true;
        }
      }
    }
  }
  const scopes: Scope[] = [];
  for (const [h, e] of loopEnd) scopes.push({ kind: "loop", target: h, first: h, last: e });
  for (const [t, s] of blockStart) scopes.push({ kind: "block", target: t, first: s, last: t - 1 });
  // Final check: every pair disjoint or nested.
  for (const a of scopes) {
    for (const b of scopes) {
      if (a === b) continue;
      if (a.first < b.first && b.first <= a.last && a.last < b.last) return undefined;
    }
  }
  // Outer scopes first: earlier start, then later end; at equal extent a loop goes inside a block.
  scopes.sort((a, b) => a.first - b.first || b.last - a.last || (a.kind === b.kind ? 0 : a.kind === "block" ? -1 : 1));
  const opens: Scope[][] = Array.from({ length: blockCount }, () => []);
  const closes: Scope[][] = Array.from({ length: blockCount }, () => []);
  for (const s of scopes) opens[s.first]!.push(s);
  for (let i = scopes.length - 1; i >= 0; i--) closes[scopes[i]!.last]!.push(scopes[i]!);
  // Deeply nested scopes would strain V8's parser (recursive); the dispatcher has no nesting.
  let depth = 0;
  for (let i = 0; i < blockCount; i++) {
    depth += opens[i]!.length;
    if (depth > MAX_NESTING) return undefined;
    depth -= closes[i]!.length;
  }
  return { opens, closes };
}
