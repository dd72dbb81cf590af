import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

describe("baton run on policies", () => {
  it.each([
    // [file, extra args, expected JSON]
    ["test/fixtures/c/pass.o", [], { r0: "1", selected: null }],
    ["test/fixtures/c/select_by_index.o", ["--listeners", "3"], { r0: "1", selected: 0 }],
    ["test/fixtures/c/multi.o", ["--program", "migrate_drop", "--migrate", "established"], { r0: "0", selected: null }],
    ["test/fixtures/c/multi.o", ["--program", "migrate_drop"], { r0: "1", selected: null }],
  ] as const)("%s %j", async (file, extra, expected) => {
    for (const engine of ["interp", "jit"]) {
      const r = await cli("run", file, ...extra, "--engine", engine, "--json");
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject(expected);
    }
  });

  it("runs a .baton policy's migrate entry against its (empty) maps: nothing published, kernel pick", async () => {
    const r = await cli("run", "policies/migrate_to_newest.baton", "--migrate", "new_syn_recv", "--hash", "7");
    expect(r.code).toBe(0);
    expect(r.out).toContain("r0 = 1 (SK_PASS)");
    expect(r.out).toContain("selected: no selection (the kernel picks by hash)");
  });

  it("rejects a migrating state it does not know, as a usage error", async () => {
    const r = await cli("run", "test/fixtures/c/pass.o", "--migrate", "listen");
    expect(r.code).toBe(2);
    expect(r.err).toContain("--migrate expects one of established, syn_recv, new_syn_recv, got 'listen'");
  });

  it("refuses a NULL dereference the verifier finds, at its C line (objects built with -g)", async () => {
    const r = await cli("run", "test/fixtures/c/rejected_null_deref.o");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^test\/fixtures\/c\/rejected_null_deref\.c:\d+:\d+: error: R0 invalid mem access 'map_value_or_null'/,
    );
  });

  it("with --no-verify, reports the NULL dereference as a trap at its instruction", async () => {
    const r = await cli("run", "test/fixtures/c/rejected_null_deref.o", "--no-verify");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^test\/fixtures\/c\/rejected_null_deref\.o: warning: not verified \(--no-verify\)/);
    expect(r.err).toMatch(
      /\ntest\/fixtures\/c\/rejected_null_deref\.o: insn \d+: error: read of 4 bytes at 0x0+ is outside every region/,
    );
  });
});

describe("baton disasm on objects and policies", () => {
  it("disassembles a linked ELF program in kernel style", async () => {
    const r = await cli("disasm", "test/fixtures/c/select_by_index.o", "--style", "kernel");
    expect(r.code).toBe(0);
    expect(r.out).toContain("r1 = map[fd:1] ll");
    expect(r.out).toContain("call bpf_sk_select_reuseport#82");
  });
  it("asks for --program when an object holds several", async () => {
    const r = await cli("disasm", "test/fixtures/c/multi.o");
    expect(r.code).toBe(2);
    expect(r.err).toContain("choose one with --program NAME");
    expect((await cli("disasm", "test/fixtures/c/multi.o", "--program", "migrate_pass")).code).toBe(0);
  });
});

describe("baton compile --elf", () => {
  it("writes an object that loads back as the same program and runs the same", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { loadProgramFile } = await import("../../src/cli/load-program.js");
    const out = join(mkdtempSync(join(tmpdir(), "baton-elf-")), "p.o");
    const r = await cli("compile", "policies/newest_generation.baton", "--elf", out);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`-> ${out} (ELF, section sk_reuseport/migrate)`);
    const fromElf = await loadProgramFile(out);
    const fromSource = await loadProgramFile("policies/newest_generation.baton");
    expect(fromElf.attachType).toBe(40);
    expect(fromElf.bytes).toEqual(fromSource.bytes);
    expect(fromElf.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries])).toEqual(
      fromSource.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries]),
    );
    const a = await cli("run", out, "--hash", "9", "--json");
    const b = await cli("run", "policies/newest_generation.baton", "--hash", "9", "--json");
    expect(a.out).toBe(b.out);
  });
});
