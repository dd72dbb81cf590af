// Branch narrowing exactly as imprecise as Linux 6.18 (branch.ts); the kernel's own verdicts
// for these shapes are recorded in corpus 456-459, 490-494 and 496-498.
import { describe, expect, it } from "vitest";
import { branchTaken, narrow } from "../../src/verifier/branch.js";
import { alu64, scalarConst, scalarOf, scalarRange, sync } from "../../src/verifier/scalar.js";
import { TNUM_UNKNOWN } from "../../src/verifier/tnum.js";
import { toOracle } from "./oracle/convert.js";

const S64_MIN = -(1n << 63n);
const U64 = (1n << 64n) - 1n;

describe("branch narrowing like the kernel", () => {
  it("a jset fall-through keeps only the tnum's bounds (regs_refine_cond_op forgets ranges)", () => {
    const r = toOracle(narrow("set", scalarRange(0, 8), scalarConst(1), false, false)![0]);
    expect(r.t.mask).toBe(0xen);
    expect(r.umax).toBe(14n); // not 8: the range [0, 8] is forgotten
  });
  it("a jset taken on one bit keeps the range", () => {
    const r = toOracle(narrow("set", scalarRange(0, 8), scalarConst(1), false, true)![0]);
    expect(r.t).toEqual({ value: 1n, mask: 0xen });
    expect([r.umin, r.umax]).toEqual([1n, 8n]);
  });
  it("jset decides only against a constant", () => {
    expect(branchTaken("set", scalarRange(0, 3), scalarRange(4, 12), false)).toBe(-1);
    expect(branchTaken("set", scalarConst(4), scalarRange(0, 3), false)).toBe(0);
  });
  it("contradictory bounds leave the side alive with unbounded ranges and the synced tnum", () => {
    // r7 = u32 * 256; w7 s>= 7; then w7 <= 8: no value has a zero low byte and w7 in [7, 8].
    const a = alu64("mul", scalarRange(0, 0xffffffff), scalarConst(256));
    const s1 = narrow("slt", a, scalarConst(7), true, false)![0];
    const side = narrow("gt", s1, scalarConst(8), true, false);
    expect(side).not.toBeNull();
    const v = toOracle(side![0]);
    expect(v.smin).toBe(S64_MIN);
    expect(v.umax).toBe(U64);
    expect(v.t).toEqual({ value: 0n, mask: 0xff00000000n });
  });
  it("a 64-bit eq looks at the 32-bit ranges too", () => {
    // Any 64-bit value whose low half is in [16, 100]: 0x100000003 passes the 64-bit range and
    // tnum tests but not the 32-bit ranges (kernel is_scalar_branch_taken, !is_jmp32).
    const a = sync(
      scalarOf(
        TNUM_UNKNOWN,
        [-0x80000000, 0],
        [0x7fffffff, -1],
        [0, 0],
        [-1, -1],
        [-0x80000000, 0x7fffffff],
        [16, 100],
      ),
    );
    expect(branchTaken("eq", a, scalarConst(0x100000003), false)).toBe(0);
    expect(branchTaken("ne", a, scalarConst(0x100000003), false)).toBe(1);
    expect(branchTaken("eq", a, scalarConst(0x100000013), false)).toBe(-1);
  });
  it("a signed range across zero meets an unsigned range on one side only (32-bit)", () => {
    // x | 240 (u32), then w s<= 7: only negative s32 values qualify, so w s< 0 is always taken.
    const x = alu64("or", scalarRange(0, 0xffffffff), scalarConst(240));
    const le7 = narrow("sgt", x, scalarConst(7), true, false)![0];
    const v = toOracle(le7);
    expect([v.s32min, v.s32max]).toEqual([-0x7fffff10n, -1n]);
    expect(branchTaken("slt", le7, scalarConst(0), true)).toBe(1);
  });
  it("the same across zero for a 64-bit signed range", () => {
    // (x | 60) with x any s64, then r s<= 15: only negative values qualify.
    const x = alu64(
      "or",
      sync(
        scalarOf(
          TNUM_UNKNOWN,
          [-0x80000000, 0],
          [0x7fffffff, -1],
          [0, 0],
          [-1, -1],
          [-0x80000000, 0x7fffffff],
          [0, -1],
        ),
      ),
      scalarConst(60),
    );
    const le15 = narrow("sgt", x, scalarConst(15), false, false)![0];
    expect(toOracle(le15).smax).toBe(-1n);
    expect(branchTaken("slt", le15, scalarConst(0), false)).toBe(1);
  });
  it("high halves h and h+1 with low halves across zero still bound the s32 view", () => {
    // s64 [-1, 1]: the low halves are -1, 0, 1 (kernel __reg32_deduce_bounds special case).
    const v = toOracle(
      sync(scalarOf(TNUM_UNKNOWN, [-1, -1], [0, 1], [0, 0], [-1, -1], [-0x80000000, 0x7fffffff], [0, -1])),
    );
    expect([v.s32min, v.s32max]).toEqual([-1n, 1n]);
  });
  it("a range that meets the tnum in one member is that constant (kernel __update_reg64_bounds)", () => {
    // x | 0xe00, then & 0xf00: {0xe00, 0xf00}; after 'x != 0xe00' only 0xf00 is left.
    const x = alu64("and", alu64("or", scalarRange(0, 0xffffffff), scalarConst(0xe00)), scalarConst(0xf00));
    const ne = narrow("eq", x, scalarConst(0xe00), false, false)![0];
    expect(toOracle(ne).t).toEqual({ value: 0xf00n, mask: 0n });
    expect(branchTaken("eq", ne, scalarConst(0xf00), false)).toBe(1);
  });
});
