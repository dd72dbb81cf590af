/** `baton compile|check|test` through the CLI dispatcher, with captured output. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { decode } from "../../src/vm/isa.js";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) });
  return { code, out, err };
}

const tmp = mkdtempSync(join(tmpdir(), "baton-cli-"));
const POLICY = "policies/cpu_affinity.baton";

describe("baton compile", () => {
  it("--json prints hex bytecode, maps and the attach type", async () => {
    const r = await cli("compile", POLICY, "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { insns: string; maps: unknown[]; attach: string };
    expect(j.attach).toBe("select_or_migrate");
    expect(j.maps).toEqual([
      { fd: 1, name: "by_cpu", type: "reuseport_sockarray", key_size: 4, value_size: 8, max_entries: 256 },
    ]);
    expect(j.insns).toMatch(/^([0-9a-f]{16})+$/);
  });

  it("-o writes the raw slots", async () => {
    const out = join(tmp, "p.bin");
    const r = await cli("compile", POLICY, "-o", out);
    expect(r.code).toBe(0);
    const insns = decode(new Uint8Array(readFileSync(out)));
    expect(insns.length).toBeGreaterThan(5);
  });

  it("--annotate interleaves policy lines with instructions", async () => {
    const r = await cli("compile", POLICY, "--annotate");
    expect(r.code).toBe(0);
    expect(r.out).toContain("; policies/cpu_affinity.baton:11: select by_cpu[cpu()] else pass");
    expect(r.out).toContain("call bpf_sk_select_reuseport#82");
  });

  it("prints every diagnostic and exits 1", async () => {
    const f = join(tmp, "bad.baton");
    writeFileSync(f, "on select {\n  let a = ctx.hsh\n  let b: u8 = 1000\n  pass\n}\n");
    const r = await cli("compile", f, "--asm");
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${f}:2:11: error: \`ctx\` has no field \`hsh\``);
    expect(r.err).toContain(`${f}:3:15: error: initializer of \`b\`: constant 1000 does not fit in u8 (0..255)`);
    expect(r.err).toContain("2 errors in");
  });

  it("usage errors exit 2", async () => {
    expect((await cli("compile")).code).toBe(2);
  });
});

describe("baton check", () => {
  it("prints statistics", async () => {
    const r = await cli("check", POLICY);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^policies\/cpu_affinity\.baton: ok: \d+ instructions, 1 map, 8 stack bytes, \d+ instructions processed by the verifier, 1 test\n$/,
    );
  });
});

describe("baton test", () => {
  it("runs the tests of a policy", async () => {
    const r = await cli("test", "policies/shed_on_overload.baton");
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      "ok    policies/shed_on_overload.baton: above the threshold connections are refused and counted (4 events)",
    );
    expect(r.out).toContain("3 passed, 0 failed");
  });

  it("reports a failing expectation with its line, expected and actual", async () => {
    const f = join(tmp, "failing.baton");
    writeFileSync(
      f,
      'map l: reuseport_sockarray<u32>[4]\non select {\n  select l[ctx.hash % 4] else drop\n}\ntest "goes to 7" {\n  l[1] = 7\n  expect connect { hash: 1 } => select 7\n  expect connect { hash: 2 } => select 7\n  assert 1 == 2\n}\n',
    );
    const r = await cli("test", f);
    expect(r.code).toBe(1);
    expect(r.out).toContain("FAIL");
    expect(r.err).toContain(
      `${f}:8:3: test "goes to 7" failed: connect { hash: 2 }: expected select 7, got drop\n  expect connect { hash: 2 } => select 7\n  ^`,
    );
    expect(r.err).toContain(`${f}:9:3: test "goes to 7" failed: assertion failed: expected 1 == 2`);
    expect(r.out).toContain("0 passed, 1 failed");
  });
});
