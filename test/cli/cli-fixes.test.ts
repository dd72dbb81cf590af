// CLI behaviours through main(): compile prints to stdout and writes no file when no
// output is named; --connections without --json prints the per-connection table; --state takes
// a unique prefix of a test name; counts are printed with the noun in the right number.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { slotsAsHex } from "../../src/cli/commands/asm.js";
import { plural } from "../../src/plural.js";
import { resolveTestName } from "../../src/cli/test-name.js";
import { UsageError } from "../../src/errors.js";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) });
  return { code, out, err };
}

const tmp = mkdtempSync(join(tmpdir(), "baton-cli16-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("compile without an output option", () => {
  for (const name of ["cpu_affinity", "least_loaded", "migrate_to_newest"]) {
    it(`${name}: prints the slots -o writes, and writes nothing next to the source`, async () => {
      const dir = mkdtempSync(join(tmp, "src-"));
      const src = join(dir, `${name}.baton`);
      copyFileSync(`policies/${name}.baton`, src);
      const r = await cli("compile", src);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      expect(readdirSync(dir)).toEqual([`${name}.baton`]);
      const bin = join(tmp, `${name}.bin`);
      expect((await cli("compile", src, "-o", bin)).code).toBe(0);
      expect(r.out.trimEnd()).toBe(slotsAsHex(new Uint8Array(readFileSync(bin))));
      expect(
        r.out
          .trimEnd()
          .split("\n")
          .every((l) => /^[0-9a-f]{16}$/.test(l)),
      ).toBe(true);
    });
  }
});

describe("simulate --connections without --json", () => {
  it("prints the summary, then one row per connection", async () => {
    const sc = join(tmp, "small.json");
    writeFileSync(
      sc,
      JSON.stringify({
        name: "small",
        seed: 3,
        port: 8080,
        durationMs: 3000,
        sysctls: { tcp_migrate_req: 1 },
        listeners: [
          { name: "a", backlog: 16, acceptRate: 1, listenAt: 0 },
          { name: "b", backlog: 16, acceptRate: 100, listenAt: 0 },
        ],
        clients: [{ name: "c", rate: 20, startMs: 0, count: 12 }],
        events: [{ at: 400, do: "close", listener: "a" }],
      }),
    );
    const r = await cli("simulate", sc, "--connections");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const [summaryPart, table] = r.out.split("\nconnections:\n");
    expect(summaryPart).toContain("connections 12:");
    const lines = table!.trimEnd().split("\n");
    expect(lines[0]).toMatch(
      /^id +client +src +hash +syn ms +listener +migrations +fate +by +cause +end ms +syn-acks$/,
    );
    expect(lines.length).toBe(13);
    const json = JSON.parse((await cli("simulate", sc, "--connections", "--json")).out) as {
      connectionRecords: { id: number; fate: string; migrations: unknown[] }[];
    };
    json.connectionRecords.forEach((rec, i) => {
      const cells = lines[i + 1]!.trim().split(/\s+/);
      expect(Number(cells[0])).toBe(rec.id);
      expect(lines[i + 1]).toContain(` ${rec.fate} `);
    });
    // `a` accepts slowly and closes with connections queued: they migrate to `b`, and the rows say so.
    const moved = json.connectionRecords.filter((c) => c.migrations.length > 0).map((c) => c.id);
    expect(moved.length).toBeGreaterThan(0);
    for (const l of lines.slice(1))
      expect(l.includes("a->b@"), l).toBe(moved.includes(Number(l.trim().split(/\s+/)[0])));
  });
});

describe("--state TEST: a name or a unique prefix", () => {
  const names = ["spread over two", "spread over four", "one listener"];
  it("resolves exact names, unique prefixes, and refuses ambiguous or unknown ones", () => {
    expect(resolveTestName("one", names, "p.baton")).toBe("one listener");
    expect(resolveTestName("spread over f", names, "p.baton")).toBe("spread over four");
    expect(resolveTestName("spread over two", names, "p.baton")).toBe("spread over two");
    expect(resolveTestName("ab", ["ab", "abc"], "p.baton")).toBe("ab"); // an exact name wins
    expect(() => resolveTestName("spread", names, "p.baton")).toThrow(UsageError);
    expect(() => resolveTestName("zzz", names, "p.baton")).toThrow(/no test named "zzz"/);
    try {
      resolveTestName("spread", names, "p.baton");
    } catch (e) {
      expect((e as UsageError).message).toContain("matches 2 tests");
      expect((e as UsageError).hint).toContain('"spread over two", "spread over four"');
    }
  });

  it("any prefix resolves exactly when it picks out one name", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6, unit: fc.constantFrom("a", "b", " ") }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.nat(),
        fc.nat(),
        (ns, i, cut) => {
          const n = ns[i % ns.length]!;
          const prefix = n.slice(0, 1 + (cut % n.length));
          const hits = ns.filter((x) => x.startsWith(prefix));
          let got: string | null = null;
          try {
            got = resolveTestName(prefix, ns, "f");
          } catch (e) {
            if (!(e instanceof UsageError)) throw e;
          }
          if (ns.includes(prefix)) expect(got).toBe(prefix);
          else if (hits.length === 1) expect(got).toBe(hits[0]);
          else expect(got).toBeNull();
        },
      ),
    );
  });

  it("bench --policy --state takes a prefix; an ambiguous one is a usage error listing the tests", async () => {
    const p = join(tmp, "two_tests.baton");
    writeFileSync(
      p,
      [
        "map l: reuseport_sockarray<u32>[4]",
        "on select { select l[ctx.hash % 2] else pass }",
        'test "spread over two a" {',
        "  l[0] = 11",
        "  l[1] = 12",
        "  expect connect { hash: 1 } => select 12",
        "}",
        'test "spread over two b" {',
        "  l[0] = 21",
        "  expect connect { hash: 0 } => select 21",
        "}",
        'test "single slot" {',
        "  l[0] = 31",
        "  expect connect { hash: 0 } => select 31",
        "}",
      ].join("\n"),
    );
    const ok = await cli("bench", "--policy", p, "--state", "spread over two b", "--rounds", "1", "--json");
    expect(ok.err).toBe("");
    expect(ok.code).toBe(0);
    const pre = await cli("bench", "--policy", p, "--state", "sing", "--rounds", "1", "--json");
    expect(pre.err).toBe("");
    expect(pre.code).toBe(0);
    const amb = await cli("bench", "--policy", p, "--state", "spread", "--rounds", "1");
    expect(amb.code).toBe(2);
    expect(amb.err).toContain('--state "spread" matches 2 tests');
    expect(amb.err).toContain('"spread over two a", "spread over two b"');
    expect(amb.err).not.toMatch(/\n\s+at /); // no stack
  });
});

describe("counts agree with their nouns", () => {
  it("plural()", () => {
    expect(plural(1, "event")).toBe("1 event");
    expect(plural(0, "event")).toBe("0 events");
    expect(plural(2, "event")).toBe("2 events");
    expect(plural(1n, "insn")).toBe("1 insn");
    expect(plural(3, "entry", "entries")).toBe("3 entries");
  });

  it("baton test says (1 event) and (2 events); check says 1 map / 2 tests", async () => {
    const p = join(tmp, "events.baton");
    writeFileSync(
      p,
      [
        "on select { pass }",
        'test "one" {',
        "  expect connect { hash: 1 } => pass",
        "}",
        'test "two" {',
        "  expect connect { hash: 1 } => pass",
        "  expect connect { hash: 2 } => pass",
        "}",
      ].join("\n"),
    );
    const r = await cli("test", p);
    expect(r.out).toContain("one (1 event)");
    expect(r.out).toContain("two (2 events)");
    const c = await cli("check", p);
    expect(c.out).toMatch(/0 maps, .*2 tests/);
    expect(c.out).not.toMatch(/\b1 \w+s\b/);
    const one = join(tmp, "one.baton");
    writeFileSync(
      one,
      [
        "map m: array<u32, u32>[1]",
        "on select { pass }",
        'test "t" {',
        "  expect connect { hash: 1 } => pass",
        "}",
      ].join("\n"),
    );
    const c1 = await cli("check", one);
    expect(c1.out).toContain("1 map,");
    expect(c1.out).toContain("1 test");
    expect(c1.out).not.toMatch(/\b1 (maps|tests)\b/);
  });
});

describe("a .bin that is not whole instructions: bytes in the right number", () => {
  for (const [n, text] of [
    [1, "is 1 byte, not a whole number of 8-byte instructions (1 trailing byte)"],
    [9, "is 9 bytes, not a whole number of 8-byte instructions (1 trailing byte)"],
    [12, "is 12 bytes, not a whole number of 8-byte instructions (4 trailing bytes)"],
  ] as const) {
    it(`${n} bytes`, async () => {
      const f = join(tmp, `odd${n}.bin`);
      writeFileSync(f, new Uint8Array(n));
      const r = await cli("verify", f);
      expect(r.code).toBe(1);
      expect(r.err).toContain(text);
    });
  }
});
