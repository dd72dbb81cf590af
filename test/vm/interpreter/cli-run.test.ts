// `baton run`, `baton conformance` and `baton bench` through the CLI dispatcher (exact output
// and exit codes; bench output is checked for shape only, never for timing).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { assemble } from "../../../src/vm/asm/assembler.js";
import { CONFORMANCE_DIR } from "../../support/shared.js";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

const EX = "examples/least_loaded.s";
const MEM = "examples/least_loaded.mem";
const tmp = mkdtempSync(join(tmpdir(), "baton-run-"));

describe("baton run", () => {
  it("prints r0 and the executed count", async () => {
    expect(await cli("run", EX, "--mem-file", MEM)).toEqual({
      code: 0,
      out: "r0 = 10 (0xa)\nexecuted 88 instructions (interp)\n",
      err: "",
    });
  });
  it("--json", async () => {
    const r = await cli("run", EX, "--mem-file", MEM, "--json");
    expect(r.out).toBe('{"r0": "10", "executed": 88, "engine": "interp"}\n');
    expect(JSON.parse(r.out)).toEqual({ r0: "10", executed: 88, engine: "interp" });
  });
  it("prints r0 as an unsigned 64-bit value", async () => {
    const f = join(tmp, "neg.s");
    writeFileSync(f, "mov %r0, -2\nexit\n");
    expect((await cli("run", f)).out).toBe(
      "r0 = 18446744073709551614 (0xfffffffffffffffe)\nexecuted 2 instructions (interp)\n",
    );
  });
  it("runs raw .bin bytecode with --mem", async () => {
    const f = join(tmp, "len.bin");
    writeFileSync(f, assemble("mov %r0, %r2\nldxb %r1, [%r1+1]\nadd %r0, %r1\nexit\n"));
    expect((await cli("run", f, "--mem", "aa 05 cc")).out).toBe("r0 = 8 (0x8)\nexecuted 4 instructions (interp)\n");
  });
  it("a trap prints the message, the instruction and its source line, exit 1", async () => {
    const r = await cli("run", EX);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      "examples/least_loaded.s: insn 1: error: read of 8 bytes at 0x0 is outside every region; valid regions: stack [0x100000000, 0x100001000) rw\n" +
        "note: insn 1 is examples/least_loaded.s:5: ldxdw %r3, [%r1]     # best value\n",
    );
  });
  it("a structural error names the file and instruction, exit 1", async () => {
    const f = join(tmp, "bad.bin");
    writeFileSync(f, new Uint8Array(12));
    const r = await cli("run", f);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `${f}: insn 1: error: '${f}' is 12 bytes, not a whole number of 8-byte instructions (4 trailing bytes)\n`,
    );
  });
  it("usage errors exit 2", async () => {
    expect((await cli("run")).code).toBe(2);
    expect((await cli("run", EX, "--mem", "xyz")).err).toMatch(
      /^error: --mem: expected hex bytes \(pairs of hex digits\), got 'xyz'/,
    );
    expect((await cli("run", "prog.txt")).err).toMatch(/^error: cannot read 'prog.txt': ENOENT/);
    expect((await cli("run", EX.replace(/\.s$/, ".mem"))).err).toMatch(
      /^error: cannot tell the format of 'examples\/least_loaded\.mem'/,
    );
    expect((await cli("run", EX, "--engine", "wasm")).err).toMatch(
      /^error: unknown engine 'wasm'; expected one of: interp, jit/,
    );
  });
  it("a bad --mem-file is an input error with a location", async () => {
    const f = join(tmp, "bad.mem");
    writeFileSync(f, "00 11\n22 3\n");
    const r = await cli("run", EX, "--mem-file", f);
    expect(r.code).toBe(1);
    expect(r.err.split("\n")[0]).toBe(`${f}:2:4: error: expected hex bytes (pairs of hex digits), got '3'`);
  });
});

describe("baton conformance", () => {
  it("reports passes, failures and the summary line", async () => {
    const bad = join(tmp, "wrong.data");
    writeFileSync(bad, "-- asm\nmov %r0, 1\nexit\n-- result\n0x2\n");
    const r = await cli("conformance", `${CONFORMANCE_DIR}/add.data`, bad);
    expect(r.code).toBe(1);
    expect(r.out).toBe(`FAIL ${bad}: expected r0 = 0x2, got r0 = 0x1\n1 passed, 1 failed, 0 skipped\n`);
  });
  it("a whole directory", async () => {
    const r = await cli("conformance", CONFORMANCE_DIR);
    expect(r.out).toBe("313 passed, 0 failed, 0 skipped\n");
    expect(r.code).toBe(0);
  });
});

describe("baton bench", () => {
  it("--json has the documented keys", async () => {
    const r = await cli("bench", EX, "--mem-file", MEM, "--json", "--rounds", "2");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as Record<string, number>;
    expect(Object.keys(j)).toEqual(["ns_per_run", "min", "max", "runs", "engine"]);
    expect(j.min).toBeLessThanOrEqual(j.max!);
  });
});

describe("--engine jit verifies a plain program as a memory program", () => {
  it("accepted: the trusted JIT runs it, with the same r0 as the interpreter", async () => {
    const r = await cli("run", EX, "--mem-file", MEM, "--engine", "jit", "--json");
    expect(JSON.parse(r.out)).toEqual({ r0: "10", executed: null, engine: "jit (trusted)" });
    expect(r.err).toBe("");
    const b = await cli("bench", EX, "--mem-file", MEM, "--engine", "jit", "--json", "--rounds", "1");
    expect((JSON.parse(b.out) as { engine: string }).engine).toBe("jit (trusted)");
  });
  it("too little input for its loads: the checked JIT runs it, and the note says why", async () => {
    // least_loaded reads 128 bytes; with 16 the verifier rejects it, and the checked JIT traps
    // on the first load past the end, as the interpreter does.
    const r = await cli("run", EX, "--mem", "00".repeat(16), "--engine", "jit");
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      "note: runs on the checked JIT: Baton's verifier does not accept it as a memory program of 16 input bytes at insn 4: invalid access to map value, value_size=16 off=16 size=8",
    );
    expect(r.err).toContain("error: read of 8 bytes");
  });
  it("a program that writes its input is verified with the input writable", async () => {
    const f = join(tmp, "write.s");
    writeFileSync(f, "stb [%r1+1], 7\nldxb %r0, [%r1+1]\nexit\n");
    const r = await cli("run", f, "--mem", "00 00", "--engine", "jit", "--json");
    expect(JSON.parse(r.out)).toEqual({ r0: "7", executed: null, engine: "jit (trusted)" });
  });
  it("no input: r1 is NULL and r2 is 0, as the engines pass them", async () => {
    const f = join(tmp, "noinput.s");
    writeFileSync(f, "mov %r0, %r2\nadd %r0, 3\nexit\n");
    const r = await cli("run", f, "--engine", "jit", "--json");
    expect(JSON.parse(r.out)).toEqual({ r0: "3", executed: null, engine: "jit (trusted)" });
  });
});
