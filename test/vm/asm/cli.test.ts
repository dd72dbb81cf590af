/** `baton asm` and `baton disasm` through the CLI dispatcher: outputs, exit codes, messages. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";

const dir = mkdtempSync(join(tmpdir(), "baton-asm-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  // Like processIO: a newline is added only when the text lacks one.
  const nl = (t: string): string => (t.endsWith("\n") ? t : `${t}\n`);
  const code = await main(argv, { out: (t) => (out += nl(t)), err: (t) => (err += nl(t)) });
  return { code, out, err };
}

const file = (name: string, content: string | Uint8Array): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

describe("baton asm / disasm", () => {
  const src = file("p.s", "mov %r0, 1\nlddw %r1, map_fd(3)\ncall 1\nexit\n");

  it("asm prints one slot per line as hex in memory order", async () => {
    expect(await cli("asm", src)).toEqual({
      code: 0,
      err: "",
      out: "b700000001000000\n1811000003000000\n0000000000000000\n8500000001000000\n9500000000000000\n",
    });
  });

  it("asm -o writes raw slots that disasm reads back (both styles)", async () => {
    const bin = join(dir, "p.bin");
    expect((await cli("asm", src, "-o", bin)).code).toBe(0);
    expect(readFileSync(bin).length).toBe(40);
    expect(await cli("disasm", bin)).toEqual({
      code: 0,
      err: "",
      out: "mov %r0, 1\nlddw %r1, map_fd(3)\ncall 1\nexit\n",
    });
    const k = await cli("disasm", bin, "--style", "kernel");
    expect(k.out).toBe("0: (b7) r0 = 1\n1: (18) r1 = map[fd:3] ll\n3: (85) call bpf_map_lookup_elem#1\n4: (95) exit\n");
  });

  it("disasm --labels names jump targets", async () => {
    const bin = join(dir, "j.bin");
    await cli("asm", file("j.s", "ja done\nmov %r0, 1\ndone:\nexit\n"), "-o", bin);
    expect((await cli("disasm", bin, "--labels")).out).toBe("ja L2\nmov %r0, 1\nL2:\nexit\n");
  });

  it("disasm --hex reads asm's hex output", async () => {
    const hex = file("p.hex", (await cli("asm", src)).out);
    expect((await cli("disasm", hex, "--hex")).out).toBe("mov %r0, 1\nlddw %r1, map_fd(3)\ncall 1\nexit\n");
  });

  it("asm errors print file:line:col, the line and a caret; exit 1", async () => {
    const bad = file("bad.s", "mov %r0, 1\n  ad %r1, 2\n");
    expect(await cli("asm", bad)).toEqual({
      code: 1,
      out: "",
      err: `${bad}:2:3: error: unknown mnemonic 'ad'; did you mean 'add'?\n  ad %r1, 2\n  ^^\n`,
    });
  });

  it("disasm errors name the file and the instruction; exit 1", async () => {
    const odd = file("odd.bin", new Uint8Array(12));
    expect(await cli("disasm", odd)).toEqual({
      code: 1,
      out: "",
      err: `${odd}: insn 1: error: bytecode length 12 is not a multiple of 8 (slot 1 has 4 bytes)\n`,
    });
  });

  it("unreadable files are input errors naming the file", async () => {
    const missing = join(dir, "missing.s");
    expect(await cli("asm", missing)).toEqual({ code: 1, out: "", err: `error: cannot read '${missing}': ENOENT\n` });
    expect((await cli("disasm", missing)).err).toBe(`error: cannot read '${missing}': ENOENT\n`);
  });

  it("usage errors exit 2", async () => {
    expect((await cli("asm")).code).toBe(2);
    expect((await cli("disasm", src, "--style", "intel")).err).toMatch(
      /^error: --style expects 'conformance' or 'kernel', got 'intel'/,
    );
    expect((await cli("disasm", src, "--bogus")).code).toBe(2);
  });
});
