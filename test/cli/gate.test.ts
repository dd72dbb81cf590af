// The verifier as the gate of every command that runs or ships a policy (verified-program.ts):
// `run`, `test`, `compile` (every output), `simulate`, `bench --policy` and `demo` refuse a
// program Baton's verifier rejects — exit 1, the error at its source line or instruction, a
// note saying how to see why and how to opt out — and `--no-verify` runs it with a warning.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { rejectionHint } from "../../src/cli/verified-program.js";
import { VerifyError } from "../../src/errors.js";
import { writeElfFile } from "../../src/elf/index.js";
import { assemble } from "../../src/vm/asm/assembler.js";
import { decode } from "../../src/vm/isa.js";
import {
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_REUSEPORT_SOCKARRAY,
  BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
} from "../../src/vm/program-type.js";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) });
  return { code, out, err };
}

const tmp = mkdtempSync(join(tmpdir(), "baton-gate-"));
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

// An object the verifier rejects at its first instruction (R2 is read before it is written)
// but that runs cleanly (VM registers start at 0): r0 = (r2 & 0) + 1 = SK_PASS. Its maps make it
// a policy for `run`, and are the maps migrate_to_newest declares, which the rolling-restart
// scenarios write (a scenario may not write a map its policy does not declare).
const BAD_O = join(tmp, "uninit.o");
const NEWEST_MAPS = [
  { fd: 1, name: "listeners", type: BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, keySize: 4, valueSize: 8, maxEntries: 32 },
  { fd: 2, name: "generation", type: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 },
  { fd: 3, name: "workers", type: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 4 },
];
writeElfFile(BAD_O, decode(assemble("mov %r0, %r2\nand %r0, 0\nadd %r0, 1\nexit\n")), NEWEST_MAPS, {
  attachType: BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
  programName: "uninit",
});
/** The rejection as every gate prints it: the error at the instruction, then the opt-out note. */
const refusedObject = (err: string, command: string): void => {
  expect(err).toMatch(new RegExp(`^${esc(BAD_O)}: insn 0: error: R2 !read_ok\\n`));
  expect(err).toContain(
    `note: baton ${command} only takes programs Baton's verifier accepts; \`baton verify ${BAD_O}\``,
  );
  expect(err).not.toContain("warning");
};
const WARNING = `${BAD_O}: warning: not verified (--no-verify)`;

// A policy whose every loop has a constant bound, but whose nest (1000 x 1000 iterations on
// the paths where the map holds values) exhausts the verifier's 1M-instruction budget:
// rejected, located at the inner loop's lookup. It runs quickly (empty maps: each inner loop
// breaks at once). Verifying it takes seconds: it is used only where a .baton is the only input.
const BIG = join(tmp, "big.baton");
writeFileSync(
  BIG,
  "map m: array<u32, u64>[4]\non select {\n  let mut n: u64 = 0\n  for i in 0..1000 {\n    for j in 0..1000 {\n      let v = m[j] ?? 0\n      if v == 0 {\n        break\n      }\n      n += v\n    }\n  }\n  m[0] = n\n  pass\n}\n" +
    'test "passes" {\n  expect connect { hash: 1 } => pass\n}\n',
);
const refusedBig = (err: string, command: string): void => {
  // At a line of the loop nest, with the caret (which instruction exhausts the budget is the verifier's business).
  expect(err).toMatch(
    new RegExp(`${esc(BIG)}:[4-9]:\\d+: error: BPF program is too large\\. Processed 1000001 insn\\n.*\\n *\\^`),
  );
  expect(err).toContain(`note: baton ${command} only takes programs Baton's verifier accepts`);
  // Every loop of a policy has a constant bound: "bound them more tightly" would be false advice.
  expect(err).not.toMatch(/more tightly/);
};

const SCENARIO = "scenarios/rolling-restart-policy.json";
/** The same without its maps: the C object declares none, and a scenario map no policy declares is an error. */
const NO_MAPS = join(tmp, "restart-no-maps.json");
{
  const sc = JSON.parse(readFileSync(SCENARIO, "utf8")) as { maps?: unknown; events: { do: string }[] };
  delete sc.maps;
  sc.events = sc.events.filter((e) => e.do !== "map");
  writeFileSync(NO_MAPS, JSON.stringify(sc));
}

describe("the verifier gate", () => {
  it("run: refuses an unverifiable policy, runs it with --no-verify and a warning", async () => {
    const r = await cli("run", BAD_O);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    refusedObject(r.err, "run");
    const n = await cli("run", BAD_O, "--no-verify", "--json");
    expect(n.err).toContain(WARNING);
    expect(n.code).toBe(0);
    expect(JSON.parse(n.out)).toMatchObject({ r0: "1", selected: null });
  });

  it("run: --no-verify applies to policies only", async () => {
    const f = join(tmp, "plain.s");
    writeFileSync(f, "mov %r0, 7\nexit\n");
    expect((await cli("run", f, "--no-verify")).code).toBe(2);
  });

  it("simulate: refuses the policy file, runs it with --no-verify", async () => {
    const r = await cli("simulate", SCENARIO, "--policy", BAD_O);
    expect(r.code).toBe(1);
    refusedObject(r.err, "simulate");
    const n = await cli("simulate", NO_MAPS, "--policy", BAD_O, "--no-verify");
    expect(n.code).toBe(0);
    expect(n.err.trim()).toBe(`${WARNING}: it runs with every bounds check on, and the kernel may refuse to load it`);
    expect(n.out).toMatch(/^scenario /);
  });

  it("bench --policy: refuses, runs with --no-verify", async () => {
    const r = await cli("bench", "--policy", BAD_O, "--rounds", "1");
    expect(r.code).toBe(1);
    refusedObject(r.err, "bench");
    const n = await cli("bench", "--policy", BAD_O, "--no-verify", "--rounds", "1", "--json");
    expect(n.code).toBe(0);
    expect(n.err).toContain(WARNING);
    expect(JSON.parse(n.out)).toHaveProperty("ns_per_request");
    expect((await cli("bench", "--kernel-pick", "--no-verify")).code).toBe(2);
    // Without --policy a policy would run as a bare program, past the gate: a usage error instead.
    const bare = await cli("bench", BAD_O, "--rounds", "1");
    expect(bare.code).toBe(2);
    expect(bare.err).toContain(`note: time it through the reuseport hook: baton bench --policy ${BAD_O}`);
  });

  it("demo --policy: refuses, runs with --no-verify", async () => {
    const r = await cli("demo", "--policy", BAD_O);
    expect(r.code).toBe(1);
    refusedObject(r.err, "demo");
    const n = await cli("demo", "--policy", BAD_O, "--no-verify", "--json");
    expect(n.code).toBe(0);
    expect(n.err).toContain(WARNING);
    const cols = (JSON.parse(n.out) as { columns: { variant: string; policy: string | null; engine: string | null }[] })
      .columns;
    expect(cols.find((c) => c.variant === "policy")).toMatchObject({ policy: BAD_O, engine: "interp" });
  }, 60_000);

  it("compile: writes and prints nothing for a rejected policy, whatever the output; --no-verify writes", async () => {
    const bin = join(tmp, "big.bin");
    const elf = join(tmp, "big.o");
    const r = await cli("compile", BIG, "-o", bin, "--elf", elf, "--json", "--asm");
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    refusedBig(r.err, "compile");
    expect(existsSync(bin) || existsSync(elf)).toBe(false);
    const n = await cli("compile", BIG, "-o", bin, "--elf", elf, "--no-verify");
    expect(n.code).toBe(0);
    expect(n.err.trim()).toBe(`${BIG}: warning: not verified (--no-verify): the kernel may refuse to load the output`);
    expect(existsSync(bin) && existsSync(elf)).toBe(true);
  }, 240_000);

  it("test: refuses to run the tests of a rejected policy, runs them with --no-verify", async () => {
    const good = "policies/shed_on_overload.baton";
    const r = await cli("test", BIG, good);
    expect(r.code).toBe(1);
    refusedBig(r.err, "test");
    expect(r.out).toContain("3 passed, 0 failed, 1 file was rejected by the verifier");
    const n = await cli("test", BIG, "--no-verify");
    expect(n.err).toContain(`${BIG}: warning: not verified (--no-verify)`);
    expect(n.out).toContain(`ok    ${BIG}: passes`);
    expect(n.code).toBe(0);
  }, 240_000);

  it("check gives the same true advice for a policy's exhausted budget", async () => {
    const c = await cli("check", BIG);
    expect(c.code).toBe(1);
    expect(c.err).toMatch(new RegExp(`${esc(BIG)}:[4-9]:\\d+: error: BPF program is too large`));
    expect(c.err).not.toMatch(/more tightly/);
    expect(c.err).toContain(`${BIG}: rejected by Baton's verifier (processed 1000001 insns)`);
  }, 240_000);

  it("the advice rule: a policy's exhausted budget never says 'bound them more tightly'; other hints pass through", () => {
    const budget = new VerifyError(
      "verify.too-large",
      "BPF program is too large. Processed 1000001 insn",
      { insn: 3 },
      "the loops do not converge within the kernel's budget; bound them more tightly",
    );
    expect(rejectionHint(budget, "baton")).toMatch(/^every loop of a policy has a constant bound/);
    // An object or assembly may loop on an unknown bound: the verifier's hint stands (it decides).
    expect(rejectionHint(budget, "elf")).toBe(budget.hint);
    // Budget advice that does not claim an unknown bound stands.
    const merge = new VerifyError(
      "verify.too-large",
      budget.message,
      { insn: 3 },
      "keep fewer values alive across iterations",
    );
    expect(rejectionHint(merge, "baton")).toBe(merge.hint);
    const other = new VerifyError("verify.uninit-reg", "R2 !read_ok", { insn: 0 }, "initialize it first");
    expect(rejectionHint(other, "baton")).toBe("initialize it first");
  });

  it("a verified policy passes every gate without a warning", async () => {
    const p = "policies/newest_generation.baton";
    for (const argv of [
      ["run", p],
      ["test", p],
      ["compile", p, "--json"],
      ["simulate", SCENARIO, "--policy", p],
      ["bench", "--policy", p, "--rounds", "1"],
    ]) {
      const r = await cli(...argv);
      expect({ argv, code: r.code, err: r.err }).toEqual({ argv, code: 0, err: "" });
    }
  }, 60_000);
});
