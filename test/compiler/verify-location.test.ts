/** A verifier rejection of compiled code is reported at the policy line that caused it. */
import { describe, expect, it } from "vitest";
import { formatError } from "../../src/errors.js";
import { batonVerify, compile } from "./harness.js";

describe("verifier rejections point at policy lines", () => {
  it("a loop nest beyond the 1M-instruction budget is reported at the inner loop", () => {
    const src =
      "map m: array<u32, u64>[4]\non select {\n  let mut n: u64 = 0\n  for i in 0..1000 {\n    for j in 0..1000 {\n      n += m[j] ?? 0\n    }\n  }\n  m[0] = n\n  pass\n}\n";
    const p = compile(src, "big.baton");
    const r = batonVerify(p);
    expect(r.accepted).toBe(false);
    expect(formatError(r.error!, src).split("\n").slice(0, 3)).toEqual([
      "big.baton:5:5: error: BPF program is too large. Processed 1000001 insn",
      "    for j in 0..1000 {",
      "    ^^^^^^^^^^^^^^^^",
    ]);
  });

  it("every instruction of a compiled policy maps to a span", () => {
    const p = compile(
      "map l: reuseport_sockarray<u32>[4]\non select {\n  select l[ctx.hash % 4] else drop\n}\non migrate { pass }\n",
    );
    for (let i = 0; i < p.insns.length; i++) expect(p.sourceMap(i), `insn ${i}`).toBeDefined();
  });
});
