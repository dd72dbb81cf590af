// `baton verify`: exit codes, text and JSON output, directories, --map parsing, the structural
// check, return-value warnings and --strict, policies and ELF objects.
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
const dir2 = mkdtempSync(join(tmpdir(), "baton-verify-more-"));
const good = join(dir, "good.s");
const bad = join(dir, "bad.s");
const lookup = join(dir, "lookup.s");
const bin = join(dir, "good.bin");
writeFileSync(good, "mov %r0, 1\nexit\n");
writeFileSync(bad, "# desc: reads r2 uninitialized\nmov %r0, %r2\nexit\n");
writeFileSync(
  lookup,
  "stw [%r10-4], 1\nmov %r2, %r10\nadd %r2, -4\nlddw %r1, map_fd(3)\ncall 1\nldxw %r0, [%r0]\nmov %r0, 1\nexit\n",
);
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
    const lines = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ file: good, accepted: true, processed: 2, states: 0, error: null });
    expect(lines[1]).toMatchObject({ file: bad, accepted: false, error: { insn: 0, message: "R2 !read_ok", line: 2 } });
  });
  it("verifies every file of a directory, .bin included", async () => {
    const r = await cli([dir, "--json", "--map", "3:hash:4:8:16"]);
    const files = r.out
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { file: string }).file);
    expect(files).toEqual([bad, bin, good, lookup].sort());
  });
  it("reads '# maps:' and '# attach:' headers (the whole corpus in one process)", async () => {
    const r = await cli([new URL("./corpus/", import.meta.url).pathname, "--json"]);
    const rows = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { accepted: boolean; file: string; error: { message: string } | null });
    expect(rows.length).toBeGreaterThanOrEqual(150);
    expect(rows.filter((x) => x.error?.message.startsWith("--map")).map((x) => x.file)).toEqual([]);
    expect(r.code).toBe(1);
  }, 120_000);
  it("rejects a .bin whose length is not a multiple of 8", async () => {
    const f = join(mkdtempSync(join(tmpdir(), "baton-odd-")), "odd.bin");
    writeFileSync(f, new Uint8Array(12));
    const r = await cli([f]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("is 12 bytes, not a whole number of 8-byte instructions (4 trailing bytes)");
  });
  it("runs the structural check first: precise message, at the source line of a .s", async () => {
    const s = join(dir2, "badjump.s");
    writeFileSync(s, "mov %r0, 1\nja +5\nexit\n");
    const r = await cli([s]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${s}:2:1: error: jump target 7 is out of range (program has 3 instructions)`);
    const b = join(dir2, "badop.bin");
    writeFileSync(b, new Uint8Array([0xff, 0, 0, 0, 0, 0, 0, 0, ...assemble("exit\n")]));
    const rb = await cli([b, "--json"]);
    expect(rb.code).toBe(1);
    expect(JSON.parse(rb.out)).toMatchObject({
      file: b,
      accepted: false,
      error: { insn: 0, message: "unknown opcode 0xff" },
    });
    expect((await cli([b])).err).toContain(`${b}: insn 0: error: unknown opcode 0xff`);
  });
  it("warns about return values by default (as the kernel accepts them) and rejects them with --strict", async () => {
    const s = join(dir2, "ret2.s");
    writeFileSync(s, "mov %r0, 2\nexit\n");
    const r = await cli([s]);
    expect(r.code).toBe(0);
    expect(r.err).toBe(`${s}:2:1: warning: R0 is 2 at exit; any value other than SK_PASS (1) refuses the connection\n`);
    const j = await cli([s, "--json"]);
    expect(JSON.parse(j.out)).toMatchObject({
      accepted: true,
      warnings: ["insn 1: R0 is 2 at exit; any value other than SK_PASS (1) refuses the connection"],
    });
    const st = await cli([s, "--strict"]);
    expect(st.code).toBe(1);
    expect(st.err).toContain(
      `${s}:2:1: error: At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]`,
    );
  });
  it("verifies policies and ELF objects with their own maps and attach type", async () => {
    const pol = new URL("../../policies/least_loaded.baton", import.meta.url).pathname;
    const r = await cli([pol]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/least_loaded\.baton: accepted \(processed \d+ insns/);
    const o = join(dir2, "ll.o");
    expect(await main(["compile", pol, "--elf", o], { out: () => {}, err: () => {} })).toBe(0);
    const ro = await cli([o, "--program", "least_loaded", "--json"]);
    expect(JSON.parse(ro.out)).toMatchObject({ file: o, accepted: true, error: null });
    expect((await cli([o, "--program", "nope"])).code).toBe(2);
    expect((await cli([good, "--program", "x"])).err).toContain("--program applies to ELF objects (.o); none given");
  });
  it("takes maps by name or number", async () => {
    const byName = await cli([lookup, "--map", "3:hash:4:8:16"]);
    expect(byName.err).toContain("R0 invalid mem access 'map_value_or_null'");
    expect(byName.err).toContain("note: compare R0 with 0 before reading the map value");
    const byNum = await cli([lookup, "--map", "3:1:4:8:16", "--json"]);
    expect((JSON.parse(byNum.out) as { error: { message: string } }).error.message).toBe(
      "R0 invalid mem access 'map_value_or_null'",
    );
  });
  it("prints the kernel-style trace at --log-level 2", async () => {
    const r = await cli([good, "--log-level", "2"]);
    expect(r.out).toContain("0: (b7) r0 = 1                        ; R0=1");
    expect(r.out).toContain(
      "processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0",
    );
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

describe("baton verify --map with self-describing inputs", () => {
  it("refuses --map for an ELF object instead of ignoring it", async () => {
    const { main } = await import("../../src/cli/main.js");
    let err = "";
    const code = await main(["verify", "test/fixtures/c/pass.o", "--map", "1:array:4:4:1"], {
      out: () => {},
      err: (t) => (err += t),
    });
    expect(code).toBe(2);
    expect(err).toContain("--map applies to .s and .bin programs; test/fixtures/c/pass.o declares its own maps");
  });
});
