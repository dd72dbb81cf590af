/** `baton cbpf` through the CLI dispatcher: outputs, exit codes, located errors. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";

const dir = mkdtempSync(join(tmpdir(), "baton-cbpf-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const nl = (t: string): string => (t.endsWith("\n") ? t : `${t}\n`);
  const code = await main(argv, { out: (t) => (out += nl(t)), err: (t) => (err += nl(t)) });
  return { code, out, err };
}

const file = (name: string, content: string | Uint8Array): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

describe("baton cbpf", () => {
  const steer = file("steer.s", "; QUIC: first payload word modulo 4\n  ld [0]\n  mod #4\n  ret a\n");

  it("asm prints the C array, the decimal forms, or writes raw records", async () => {
    expect(await cli("cbpf", "asm", steer)).toEqual({
      code: 0,
      err: "",
      out: "{ 0x20,  0,  0, 0x00000000 },\n{ 0x94,  0,  0, 0x00000004 },\n{ 0x16,  0,  0, 0x00000000 },\n",
    });
    expect((await cli("cbpf", "asm", steer, "--format", "decimal")).out).toBe("3,32 0 0 0,148 0 0 4,22 0 0 0,\n");
    expect((await cli("cbpf", "asm", steer, "--format", "ddd")).out).toBe("3\n32 0 0 0\n148 0 0 4\n22 0 0 0\n");
    const bin = join(dir, "steer.bin");
    expect((await cli("cbpf", "asm", steer, "-o", bin)).code).toBe(0);
    expect(Array.from(readFileSync(bin))).toEqual([
      0x20, 0, 0, 0, 0, 0, 0, 0, 0x94, 0, 0, 0, 4, 0, 0, 0, 0x16, 0, 0, 0, 0, 0, 0, 0,
    ]);
    expect((await cli("cbpf", "disasm", bin)).out).toBe("       ld [0]\n       mod #4\n       ret a\n");
  });

  it("check accepts, shows the converted program, and rejects with the instruction", async () => {
    const ok = await cli("cbpf", "check", steer, "--ebpf");
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/accepted \(3 classic instructions, 22 eBPF instructions/);
    expect(ok.out).toMatch(/call bpf_skb_load_helper_32#-103/);
    const divz = file("divz.c", "{ 0x20, 0, 0, 0 },\n{ 0x94, 0, 0, 0 },\n{ 0x16, 0, 0, 0 },\n");
    expect(await cli("cbpf", "check", divz)).toEqual({
      code: 1,
      out: "",
      err: `${divz}: insn 1: error: mod #0: division by a constant zero\n`,
    });
    expect((await cli("cbpf", "check", steer, "--optmem", "200")).err).toMatch(/insn 0: error: .*optmem_max 200/);
  });

  it("run prints the selected socket or the kernel pick", async () => {
    expect((await cli("cbpf", "run", steer, "--payload", "0000000601")).out).toBe("result 2: socks[2]\n");
    expect((await cli("cbpf", "run", steer, "--payload", "00000007", "--socks", "3", "--engine", "jit")).out).toBe(
      "result 3: not below 3 sockets, the kernel picks by hash\n",
    );
    const cpu = file("cpu.s", "ld #cpu\nret a\n");
    expect((await cli("cbpf", "run", cpu, "--cpu", "1")).out).toBe("result 1: socks[1]\n");
    const proto = file("proto.s", "ld #proto\njeq #0x86dd, v6, v4\nv6: ld #len\nadd #1\nret a\nv4: ret #0\n");
    expect((await cli("cbpf", "run", proto, "--ipv6", "--tcp")).out).toBe("result 1: socks[1]\n");
    expect((await cli("cbpf", "run", proto, "--payload", "aabb")).out).toBe("result 0: socks[0]\n");
    expect((await cli("cbpf", "run", proto, "--ipv6", "--payload", "aabb")).out).toBe("result 3: socks[3]\n");
    expect((await cli("cbpf", "run", proto, "--tcp", "--payload", "aa")).code).toBe(2);
  });

  it("locates errors: assembly at line:col, truncated records by index, bad hex as usage", async () => {
    const bad = file("bad.s", "ld [0]\njeq #1, nowhere\nret a\n");
    expect(await cli("cbpf", "check", bad)).toEqual({
      code: 1,
      out: "",
      err: `${bad}:2:9: error: no such label 'nowhere'\njeq #1, nowhere\n        ^^^^^^^\n`,
    });
    const cut = file("cut.bin", new Uint8Array(12));
    expect((await cli("cbpf", "disasm", cut)).err).toMatch(new RegExp(`^${cut}: insn 1: error: record 1 is cut short`));
    const r = await cli("cbpf", "run", steer, "--payload", "123");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: --payload: 3 hex digits/);
    expect((await cli("cbpf", "frob")).code).toBe(2);
  });
});
