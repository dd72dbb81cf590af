/**
 * The playground's step debugger (web/src/worker/debug.ts) on every example policy and every
 * `expect` event of its tests: the last step's outcome is what the test expects, every earlier
 * step stops before an instruction of the program, and a step's state does not depend on the
 * steps shown before it (each is a replay).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tryCompile } from "../../src/compiler/compile.js";
import { isWide } from "../../src/vm/isa.js";
import { debugEvents } from "../../web/src/worker/analyze.js";
import { debugState } from "../../web/src/worker/debug.js";
import { runs } from "../support/runs.js";

const ROOT = join(import.meta.dirname, "../..");
const policies = readdirSync(join(ROOT, "policies"))
  .filter((f) => f.endsWith(".baton"))
  .sort();

describe("the playground's step debugger", () => {
  for (const f of policies) {
    it(`${f}: runs each test event to the outcome the test expects`, () => {
      const p = tryCompile(readFileSync(join(ROOT, "policies", f), "utf8"), f).policy!;
      const events = debugEvents(p);
      expect(events.length).toBeGreaterThan(0);
      for (const ev of events) {
        const last = debugState(p, ev, Number.MAX_SAFE_INTEGER);
        expect(last.pc).toBeNull();
        expect(last.step).toBe(last.total);
        const stmt = p.tests[ev.test]!.body.stmts[ev.stmt]!;
        if (stmt.k !== "expect") throw new Error("not an event");
        const o = stmt.outcome;
        const want =
          o.k === "select"
            ? `SK_PASS, selected listener cookie ${p.sema.consts.get(o.cookie)}`
            : o.k === "pass"
              ? "SK_PASS (no selection: the kernel picks)"
              : "SK_DROP";
        expect(last.outcome, ev.label).toBe(want);
        // Before the last step the run stops at an instruction start (not inside an lddw).
        const starts = new Set<number>();
        for (let pc = 0; pc < p.insns.length; pc += isWide(p.insns[pc]!) ? 2 : 1) starts.add(pc);
        for (let k = 0; k < last.total; k++) {
          const s = debugState(p, ev, k);
          expect(s.step).toBe(k);
          expect(starts.has(s.pc!), `${ev.label} step ${k}`).toBe(true);
          expect(s.outcome).toBeNull();
        }
        // The program starts at instruction 0 with r1 = ctx and r10 = the stack's top.
        const first = debugState(p, ev, 0);
        expect(first.pc).toBe(0);
        expect(first.regs[1]).toMatch(/\(ctx \+0\)$/);
        expect(first.regs[10]).toMatch(/\(stack \+\d+\)$/);
      }
    });
  }

  it("shows the same state for a step whatever was shown before", () => {
    const p = tryCompile(readFileSync(join(ROOT, "policies/least_loaded.baton"), "utf8"), "least_loaded.baton").policy!;
    const ev = debugEvents(p)[0]!;
    const total = debugState(p, ev, 0).total;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: total }), fc.integer({ min: 0, max: total }), (a, b) => {
        const direct = debugState(p, ev, b);
        debugState(p, ev, a);
        expect(debugState(p, ev, b)).toEqual(direct);
      }),
      { numRuns: runs(30) },
    );
  });
});
