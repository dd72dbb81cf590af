// `baton verify DIR`: a summary line (accepted / rejected / time) after the per-file lines,
// and a rejection's path line with repeated branches (loop iterations) run-length compressed.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { compressRuns, expandRuns, formatRuns, type Run } from "../../src/cli/run-length.js";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) });
  return { code, out, err };
}

const size = (runs: readonly Run<unknown>[]): number => runs.reduce((n, r) => n + ("item" in r ? 1 : size(r.unit)), 0);

describe("run-length compression of paths", () => {
  it("one branch taken 60 times", () => {
    expect(formatRuns(compressRuns(Array(60).fill("3 -> 2")))).toBe("3 -> 2 (x60)");
  });

  it("a loop body with two branches, between other branches", () => {
    const path = ["0 -> 4", ...Array.from({ length: 30 }, () => ["5 -> 7", "9 -> 2"]).flat(), "9 -> 12"];
    expect(formatRuns(compressRuns(path))).toBe("0 -> 4, (5 -> 7, 9 -> 2) (x30), 9 -> 12");
  });

  it("nested loops nest", () => {
    const inner = Array(4).fill("6 -> 5");
    const path = Array.from({ length: 3 }, () => [...inner, "8 -> 2"]).flat();
    expect(formatRuns(compressRuns(path))).toBe("(6 -> 5 (x4), 8 -> 2) (x3)");
  });

  it("nothing repeated: unchanged", () => {
    expect(formatRuns(compressRuns(["1 -> 3", "4 -> 9", "1 -> 3"]))).toBe("1 -> 3, 4 -> 9, 1 -> 3");
    expect(compressRuns([])).toEqual([]);
  });

  it("expands back to the same path, never longer, shorter when a unit repeats", () => {
    const item = fc.constantFrom("1 -> 2", "3 -> 2", "5 -> 9", "7 -> 1");
    // Paths built from random pieces, some of them repeated many times.
    const piece = fc.tuple(fc.array(item, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 40 }));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const path = pieces.flatMap(([unit, k]) => Array.from({ length: k }, () => unit).flat());
        const runs = compressRuns(path);
        expect(expandRuns(runs)).toEqual(path);
        expect(size(runs)).toBeLessThanOrEqual(path.length);
        const repeated = path.some((_, i) => i + 1 < path.length && path[i] === path[i + 1]);
        if (repeated) expect(size(runs)).toBeLessThan(path.length);
      }),
    );
  });
});

describe("baton verify DIR", () => {
  const dir = mkdtempSync(join(tmpdir(), "baton-verify-sum-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Accepted: a bounded loop. Rejected: loops bounded by an unknown value (ctx hash), which
  // fail only on the path that left the loop after a given number of iterations (r3/r4 are
  // never written), so that path takes the back-edge several times.
  writeFileSync(join(dir, "a-ok.s"), "mov %r1, 0\nlp:\nadd %r1, 1\njlt %r1, 10, lp\nmov %r0, 1\nexit\n");
  writeFileSync(
    join(dir, "b-loop.s"),
    "ldxw %r2, [%r1+32]\nmov %r1, 0\nlp:\nadd %r1, 1\njgt %r2, %r1, lp\njne %r1, 8, ok\nmov %r0, %r3\nexit\nok:\nmov %r0, 1\nexit\n",
  );
  writeFileSync(
    join(dir, "c-two.s"),
    "ldxw %r2, [%r1+32]\nmov %r1, 0\nmov %r3, 0\nlp:\nadd %r1, 1\njset %r2, 1, odd\nadd %r3, 1\nodd:\njgt %r2, %r1, lp\njne %r1, 3, ok\nmov %r0, %r4\nexit\nok:\nmov %r0, 1\nexit\n",
  );

  it("prints the compressed path of each rejection and a summary line", async () => {
    const r = await cli("verify", dir);
    expect(r.code).toBe(1);
    const paths = r.err.split("\n").filter((l) => l.startsWith("  path: "));
    expect(paths).toHaveLength(2);
    expect(paths[0]).toBe("  path: branches taken 3 -> 2 (x7)");
    expect(paths[1]).toMatch(/\(x\d+\)/);
    expect(paths[1]!.length).toBeLessThan(120);
    const last = r.out.trimEnd().split("\n").at(-1)!;
    expect(last).toMatch(/^3 programs: 1 accepted, 2 rejected \(\d+(\.\d+)? ms\)$/);
  });

  it("--json keeps the full path and prints no summary line", async () => {
    const r = await cli("verify", join(dir, "b-loop.s"), join(dir, "a-ok.s"), "--json");
    const objs = r.out
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { file: string; error: { path: string[] } | null });
    expect(objs).toHaveLength(2);
    expect(objs[0]!.error!.path).toEqual(Array(7).fill("3 -> 2"));
  });

  it("one file: no summary line", async () => {
    const r = await cli("verify", join(dir, "a-ok.s"));
    expect(r.code).toBe(0);
    expect(r.out.trimEnd().split("\n")).toHaveLength(1);
  });
});
