// Scope nesting for structured control flow: which block graphs nest (and how), which fall back.
import { describe, expect, it } from "vitest";
import { MAX_NESTING, structure } from "../../../src/vm/jit/structure.js";

const describeShape = (n: number, edges: number[][]): string => {
  const s = structure(n, edges);
  if (s === undefined) return "dispatch";
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    for (const sc of s.opens[i]!) parts.push(`${sc.kind === "loop" ? "L" : "B"}${sc.target}{`);
    parts.push(String(i));
    for (const sc of s.closes[i]!) parts.push(`}${sc.kind === "loop" ? "L" : "B"}${sc.target}`);
  }
  return parts.join(" ");
};

describe("structure()", () => {
  const table: ReadonlyArray<readonly [string, number, number[][], string]> = [
    ["straight line", 3, [[], [], []], "0 1 2"],
    ["if-then (skip block 1)", 3, [[2], [], []], "B2{ 0 1 }B2 2"],
    ["loop over blocks 1..2", 4, [[], [], [1], []], "0 L1{ 1 2 }L1 3"],
    ["least_loaded shape: loop with an inner skip", 5, [[], [3], [], [1], []], "0 L1{ B3{ 1 2 }B3 3 }L1 4"],
    ["break out of a loop", 5, [[], [4], [1], [], []], "0 B4{ L1{ 1 2 }L1 3 }B4 4"],
    ["overlapping loops widen", 4, [[], [], [0], [1]], "L0{ 0 L1{ 1 2 3 }L1 }L0"],
    ["second entry into a loop", 4, [[2], [], [1], []], "dispatch"],
  ];
  for (const [name, n, edges, want] of table) {
    it(name, () => {
      expect(describeShape(n, edges)).toBe(want);
    });
  }

  it(`nesting deeper than ${MAX_NESTING} falls back to the dispatcher`, () => {
    const n = 2 * MAX_NESTING + 10;
    const edges: number[][] = Array.from({ length: n }, (_, i) => (i < n / 2 - 2 ? [n - 1 - i] : []));
    expect(structure(n, edges)).toBeUndefined();
  });
});
