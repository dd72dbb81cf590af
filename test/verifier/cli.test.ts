// `baton verify`: exit codes, text and JSON output, directories, --map parsing.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { assemble } from "../../src/vm/asm/assembler.js";

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(["verify", ...args], { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), "baton-verify-"));
const good = join(dir, "good.s");
const bad = join(dir, "bad.s");
const lookup = join(dir, "lookup.s");
const bin = join(dir, "good.bin");
writeFileSync(good, "mov %r0, 1\nexit\n");
writeFileSync(bad, "# desc: reads r2 uninitialized\nmov %r0, %r2\nexit\n");
writeFileSync(lookup, "stw [%r10-4], 1\nmov %r2, %r10\nadd %r2, -4\nlddw %r1, map_fd(3)\ncall 1\nldxw %r0, [%r0]\nmov %r0, 1\nexit\n");
writeFileSync(bin, assemble("mov %r0, 0\nexit\n"));

describe("baton verify", () => {
  it("accepts a good program (exit 0)", async () => {
    const r = await cli([good]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/good\.s: accepted \(processed 2 insns, 0 states, stack depth 0\)/);
  });
  it("rejects with file:line:col, the instruction, the state (exit 1)", async () => {
    const r = await cli([bad]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${bad}:2:1: error: R2 !read_ok`);
    expect(r.err).toContain("at insn 0: (bf) r0 = r2");
    expect(r.err).toContain("state: R1=ctx() R10=fp0");
  });
  it("prints one JSON object per file", async () => {
    const r = await cli([good, bad, "--json"]);
    expect(r.code).toBe(1);
    const lines = r.out.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ file: good, accepted: true, processed: 2, states: 0, error: null });
    expect(lines[1]).toMatchObject({ file: bad, accepted: false, error: { insn: 0, message: "R2 !read_ok", line: 2 } });
  });
  it("verifies every file of a directory, .bin included", async () => {
    const r = await cli([dir, "--json", "--map", "3:hash:4:8:16"]);
    const files = r.out.trim().split("\n").map((l) => (JSON.parse(l) as { file: string }).file);
    expect(files).toEqual([bad, bin, good, lookup].sort());
  });
  it("reads '# maps:' and '# attach:' headers (the whole corpus in one process)", async () => {
    const r = await cli([new URL("./corpus/", import.meta.url).pathname, "--json"]);
    const rows = r.out.trim().split("\n").map((l) => JSON.parse(l) as { accepted: boolean; file: string; error: { message: string } | null });
    expect(rows.length).toBeGreaterThanOrEqual(150);
    expect(rows.filter((x) => x.error?.message.startsWith("--map")).map((x) => x.file)).toEqual([]);
    expect(r.code).toBe(1);
  }, 120_000);
  it("rejects a .bin whose length is not a multiple of 8", async () => {
    const f = join(mkdtempSync(join(tmpdir(), "baton-odd-")), "odd.bin");
    writeFileSync(f, new Uint8Array(12));
    const r = await cli([f]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("is 12 bytes; expected a non-empty multiple of 8");
  });
  it("takes maps by name or number", async () => {
    const byName = await cli([lookup, "--map", "3:hash:4:8:16"]);
    expect(byName.err).toContain("R0 invalid mem access 'map_value_or_null'");
    expect(byName.err).toContain("note: compare R0 with 0 before reading the map value");
    const byNum = await cli([lookup, "--map", "3:1:4:8:16", "--json"]);
    expect((JSON.parse(byNum.out) as { error: { message: string } }).error.message).toBe("R0 invalid mem access 'map_value_or_null'");
  });
  it("prints the kernel-style trace at --log-level 2", async () => {
    const r = await cli([good, "--log-level", "2"]);
    expect(r.out).toContain("0: (b7) r0 = 1                        ; R0=1");
    expect(r.out).toContain("processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0");
  });
  it("applies --unprivileged rules", async () => {
    const loop = join(dir, "loop.s");
    writeFileSync(loop, "mov %r1, 0\nlp:\nadd %r1, 1\njlt %r1, 10, lp\nmov %r0, 1\nexit\n");
    expect((await cli([loop])).code).toBe(0);
    const r = await cli([loop, "--unprivileged"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("back-edge from insn 2 to 1");
  });
  it.each([
    [["--map", "3:bogus:4:8:16", good], "--map TYPE 'bogus' is unknown"],
    [["--map", "3:hash:4", good], "--map expects FD:TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES (5 fields)"],
    [["--attach", "nope", good], "--attach expects select or select_or_migrate, got 'nope'"],
    [["--log-level", "3", good], "--log-level expects an integer from 0 to 2, got '3'"],
    [[], "expected at least one FILE or directory"],
  ])("usage error %#", async (args, msg) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(msg);
  });
});
