// `baton verify --json` statistics (processed, states, peak_states, verify_us) and
// `baton verify --compare-kernel`: the summary arithmetic on fixed rows, and a small directory
// through both verifiers (skipped with the reason where the kernel cannot be asked).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import {
  compareTable,
  quantile,
  summarize,
  summaryLine,
  type CompareRow,
  type SideResult,
} from "../../src/cli/compare-kernel.js";
import { kernelAvailability } from "../../src/kernel/verifier.js";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), "baton-compare-"));
writeFileSync(join(dir, "a_pass.s"), "mov %r0, 1\nexit\n");
writeFileSync(join(dir, "b_uninit.s"), "mov %r0, %r2\nexit\n");
writeFileSync(
  join(dir, "c_null.s"),
  "# maps: 3:hash:4:8:16\nstw [%r10-4], 1\nmov %r2, %r10\nadd %r2, -4\nlddw %r1, map_fd(3)\ncall 1\nldxw %r0, [%r0]\nmov %r0, 1\nexit\n",
);
// A bounded loop: states and processed instructions beyond the trivial.
writeFileSync(
  join(dir, "d_loop.s"),
  "mov %r0, 0\nmov %r1, 0\nadd %r0, %r1\nadd %r1, 1\njlt %r1, 8, -3\nmov %r0, 1\nexit\n",
);
writeFileSync(join(dir, "e_malformed.bin"), new Uint8Array([0xff, 0, 0, 0, 0, 0, 0, 0]));

const isCount = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= 0;

describe("baton verify --json statistics", () => {
  it("every verified file carries processed, states, peak_states (integers) and verify_us (a non-negative number)", async () => {
    const r = await cli("verify", dir, "--json");
    expect(r.code).toBe(1);
    const rows = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((x) => (x.file as string).replace(`${dir}/`, ""))).toEqual([
      "a_pass.s",
      "b_uninit.s",
      "c_null.s",
      "d_loop.s",
      "e_malformed.bin",
    ]);
    for (const row of rows.slice(0, 4)) {
      expect(isCount(row.processed) && isCount(row.states) && isCount(row.peak_states), JSON.stringify(row)).toBe(true);
      expect(typeof row.verify_us).toBe("number");
      expect(row.verify_us as number).toBeGreaterThanOrEqual(0);
      expect(row.peak_states as number).toBeLessThanOrEqual(row.states as number);
    }
    expect(rows[3]!.processed as number).toBeGreaterThan(8); // the loop body, walked per iteration
    // A file that never reached the verifier: statistics zero, no time.
    expect(rows[4]).toMatchObject({ accepted: false, processed: 0, states: 0, peak_states: 0, verify_us: null });
  });

  it("--rounds and --compare-kernel's incompatible options are usage errors", async () => {
    expect((await cli("verify", dir, "--rounds", "3")).code).toBe(2);
    expect((await cli("verify", dir, "--compare-kernel", "--strict")).code).toBe(2);
    expect((await cli("verify", dir, "--compare-kernel", "--log-level", "1")).code).toBe(2);
  });
});

const side = (
  accepted: boolean,
  processed: number | null,
  us: number | null,
  error: string | null = accepted ? null : "boom",
): SideResult => ({ accepted, processed, states: 0, peakStates: 0, us, error });

describe("the comparison's arithmetic", () => {
  it("quantile interpolates between closest ranks", () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10], 0.9)).toBe(10);
    expect(quantile([0, 10], 0.9)).toBeCloseTo(9);
  });

  it("counts agreement, over- and under-accepts; ratios over kernel-accepted programs only", () => {
    const rows: CompareRow[] = [
      { file: "agree-ok", baton: side(true, 200, 40), kernel: side(true, 100, 10) }, // 2x, 4x
      { file: "agree-bad", baton: side(false, 5, 1), kernel: side(false, 50, 1) }, // no ratio: the kernel rejected
      { file: "over", baton: side(true, 30, 3), kernel: side(false, 3, 1) }, // unsound: no ratio
      { file: "under", baton: side(false, 1_000_001, 5_000_000), kernel: side(true, 1000, 1000) }, // 1000x, 5000x
      { file: "no-kernel", baton: side(true, 1, 1), kernel: null },
    ];
    const s = summarize(rows);
    expect(s).toMatchObject({ programs: 5, compared: 4, agree: 2, overAccepts: 1, underAccepts: 1 });
    expect(s.processedRatio).toEqual({ n: 2, median: (2 + 1000.001) / 2, p90: 2 + 0.9 * (1000.001 - 2) });
    expect(s.timeRatio?.n).toBe(2);
    expect(s.timeRatio?.median).toBeCloseTo((4 + 5000) / 2);
    const line = summaryLine(s);
    expect(line).toContain("5 programs: verdicts agree on 2/4 (50.0%), over-accepts 1, under-accepts 1");
    expect(line).toContain("processed ratio median 501.00x");
    const table = compareTable(rows).split("\n");
    expect(table[0]).toMatch(
      /^File\s+Verdict \(B\)\s+Verdict \(K\)\s+Agreement\s+Insns \(B\)\s+Insns \(K\)\s+Insns \(B\/K\)\s+Time us \(B\)\s+Time us \(K\)\s+Time \(B\/K\)\s+Error \(B\)\s+Error \(K\)$/,
    );
    expect(table.find((l) => l.startsWith("over "))).toMatch(/success\s+failure\s+OVER-ACCEPT/);
    expect(table.find((l) => l.startsWith("under "))).toMatch(
      /failure\s+success\s+UNDER-ACCEPT\s+1000001\s+1000\s+1000\.00x/,
    );
  });

  it("without a kernel the table has Baton's columns only", () => {
    const table = compareTable([{ file: "x.s", baton: side(true, 7, 12.4), kernel: null }]).split("\n");
    expect(table[0]).toMatch(/^File\s+Verdict\s+Insns\s+States\s+Peak states\s+Time \(us\)\s+Error$/);
    expect(table[2]).toMatch(/^x\.s\s+success\s+7\s+0\s+0\s+12\s+-$/);
  });
});

const avail = kernelAvailability();
if (!avail.available) console.warn(`verify --compare-kernel against the kernel skipped: ${avail.reason}`);

describe(`baton verify --compare-kernel${avail.available ? "" : ` (kernel skipped: ${avail.reason})`}`, () => {
  it.skipIf(!avail.available)(
    "a small directory: every verdict and error line agrees with this kernel",
    async () => {
      const r = await cli("verify", "--compare-kernel", dir, "--json");
      expect(r.err).toBe("");
      const lines = r.out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const rows = lines.slice(0, -1) as {
        file: string;
        baton: Record<string, unknown>;
        kernel: Record<string, unknown>;
        agreement: string;
      }[];
      expect(rows.map((x) => x.agreement)).toEqual(["agree", "agree", "agree", "agree", "agree"]);
      const byName = Object.fromEntries(rows.map((x) => [x.file.replace(`${dir}/`, ""), x]));
      expect(byName["a_pass.s"]!.kernel).toMatchObject({ accepted: true, processed: 2, error: null });
      expect(byName["b_uninit.s"]!.kernel).toMatchObject({ accepted: false, error: "R2 !read_ok" });
      expect(byName["c_null.s"]!.kernel).toMatchObject({
        accepted: false,
        error: "R0 invalid mem access 'map_value_or_null'",
      });
      expect(byName["c_null.s"]!.baton).toMatchObject({
        accepted: false,
        error: "R0 invalid mem access 'map_value_or_null'",
      });
      for (const x of rows.slice(0, 4)) {
        // The kernel's own "verification time" (log level 4) and its statistics are parsed.
        expect(typeof x.kernel.verify_us).toBe("number");
        expect(isCount(x.kernel.processed) && isCount(x.kernel.states) && isCount(x.kernel.peak_states)).toBe(true);
        expect(typeof x.baton.verify_us).toBe("number");
      }
      // A malformed slot: Baton's structural check and the kernel both refuse it.
      expect(byName["e_malformed.bin"]).toMatchObject({
        baton: { accepted: false, processed: null },
        kernel: { accepted: false },
      });
      const summary = (lines.at(-1) as { summary: Record<string, unknown> }).summary;
      expect(summary).toMatchObject({
        programs: 5,
        compared: 5,
        agree: 5,
        over_accepts: 0,
        under_accepts: 0,
        kernel: "asked",
      });
      expect((summary.processed_ratio as { n: number }).n).toBe(2); // a_pass and d_loop: the kernel accepted them
      expect(r.code).toBe(0);
    },
    60_000,
  );

  it.skipIf(!avail.available)(
    "the text table and summary line",
    async () => {
      const r = await cli("verify", "--compare-kernel", dir, "--rounds", "2");
      expect(r.code).toBe(0);
      const lines = r.out.trim().split("\n");
      expect(lines[0]).toMatch(/^File\s+Verdict \(B\)\s+Verdict \(K\)/);
      expect(lines.filter((l) => /^\S+\s+(success|failure)\s+(success|failure)\s+agree\s/.test(l))).toHaveLength(5);
      expect(lines.at(-1)).toMatch(
        /^5 programs: verdicts agree on 5\/5 \(100\.0%\), over-accepts 0, under-accepts 0; Baton\/kernel on kernel-accepted programs: processed ratio median \d+\.\d\dx, p90 \d+\.\d\dx \(over 2\); time ratio median/,
      );
    },
    60_000,
  );
});

describe(`baton check --kernel${avail.available ? "" : ` (skipped: ${avail.reason})`}`, () => {
  it.skipIf(!avail.available)("an accepted policy: both verdicts on one line", async () => {
    const r = await cli("check", "policies/cpu_affinity.baton", "--kernel");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /instructions processed by the verifier, 1 test; kernel: accepted \(processed \d+ insns\)\n$/,
    );
  });

  it.skipIf(!avail.available)(
    "a policy Baton rejects is still loaded into the kernel, and both verdicts are shown",
    async () => {
      // Bounded loops whose nest exhausts the budget (Baton's verifier takes seconds on it).
      const f = join(mkdtempSync(join(tmpdir(), "baton-check-")), "nest.baton");
      writeFileSync(
        f,
        "map m: array<u32, u64>[4]\non select {\n  let mut n: u64 = 0\n  for i in 0..1000 {\n    for j in 0..1000 {\n      let v = m[j] ?? 0\n      if v == 0 {\n        break\n      }\n      n += v\n    }\n  }\n  m[0] = n\n  pass\n}\n",
      );
      const r = await cli("check", f, "--kernel");
      expect(r.code).toBe(1);
      expect(r.err).toContain(
        `${f}: rejected by Baton's verifier (processed 1000001 insns); kernel: rejected (errno 7): BPF program is too large. Processed 1000001 insn`,
      );
    },
    240_000,
  );
});
