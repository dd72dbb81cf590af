// Where the kernel cannot be asked (not root, no bpf()), `verify --compare-kernel` prints the
// reason on stderr and Baton's columns alone, exit 0, and `check --kernel` says why it did not
// check. The bridge's availability probe is replaced here so this runs on any machine.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";

vi.mock("../../src/kernel/verifier.js", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../src/kernel/verifier.js")>()),
  kernelAvailability: () => ({ available: false, reason: "no bpf() here (test)" }),
}));

const { main } = await import("../../src/cli/main.js");

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), "baton-nokernel-"));
writeFileSync(join(dir, "pass.s"), "mov %r0, 1\nexit\n");
writeFileSync(join(dir, "uninit.s"), "mov %r0, %r2\nexit\n");

describe("no kernel to ask", () => {
  it("verify --compare-kernel: the reason on stderr, Baton's columns, exit 0 even with a rejection", async () => {
    const r = await cli("verify", "--compare-kernel", dir);
    expect(r.err).toBe("note: kernel not asked (no bpf() here (test)); Baton's columns only\n");
    expect(r.code).toBe(0);
    const lines = r.out.trim().split("\n");
    expect(lines[0]).toMatch(/^File\s+Verdict\s+Insns\s+States\s+Peak states\s+Time \(us\)\s+Error$/);
    expect(lines[2]).toMatch(/pass\.s\s+success\s+2\s+0\s+0\s+\d+\s+-$/);
    expect(lines[3]).toMatch(/uninit\.s\s+failure\s+1\s+0\s+0\s+\d+\s+R2 !read_ok$/);
    expect(lines.at(-1)).toBe("2 programs; kernel not asked");
  });

  it("verify --compare-kernel --json: kernel null per row, the reason in the summary", async () => {
    const r = await cli("verify", "--compare-kernel", dir, "--json");
    const rows = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows[0]).toMatchObject({ kernel: null, agreement: "-", baton: { accepted: true, processed: 2 } });
    expect(rows.at(-1)).toEqual({
      summary: {
        programs: 2,
        compared: 0,
        agree: 0,
        over_accepts: 0,
        under_accepts: 0,
        processed_ratio: null,
        time_ratio: null,
        kernel: "not asked: no bpf() here (test)",
      },
    });
  });

  it("check --kernel: says the kernel was not checked, and why", async () => {
    const r = await cli("check", "policies/cpu_affinity.baton", "--kernel");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/1 test; kernel: not checked \(no bpf\(\) here \(test\)\)\n$/);
  });
});
