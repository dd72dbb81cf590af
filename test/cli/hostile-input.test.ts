/**
 * Hostile input, per reader: mutated (bit flips, truncation, splices, inserted tokens) and
 * generated inputs for `.baton`, `.s`, `.bin`, `.o`, scenario JSON, conformance `.data` files
 * and command-line flags, run through the CLI dispatcher in-process. Every run must end with
 * exit code 0, 1 or 2, a located message for 1 and 2 (the input's name, or the usage text for
 * a usage error), no internal error, within a time bound. Seeds are fixed, so a failure
 * reproduces; the failing input is written to the message.
 *
 * The named regression tests below are extreme inputs that once crashed or hung a reader.
 */
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { MAX_EXPR_DEPTH } from "../../src/compiler/expr-reader.js";
import { MAX_SOURCE_CHARS, MAX_STMT_DEPTH } from "../../src/compiler/parser.js";
import { MAX_PROGRAM_INSNS } from "../../src/cli/load-program.js";
import { MAX_RUN_BUDGET } from "../../src/cli/commands/run.js";
import { CONFORMANCE_DIR } from "../support/shared.js";

const tmp = mkdtempSync(join(tmpdir(), "baton-hostile-"));

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  readonly ms: number;
}

async function cli(argv: readonly string[]): Promise<Run> {
  let out = "";
  let err = "";
  const t0 = performance.now();
  const code = await main([...argv], { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) });
  return { code, out, err, ms: performance.now() - t0 };
}

/** Per-run time bound: generous for a loaded 2-core machine, far below a hang. */
const RUN_MS = 8000;

/** Run the CLI on hostile input and check the contract; `file` must be named by a code-1 message. */
async function expectClean(argv: readonly string[], file: string | null, what: string): Promise<Run> {
  let r: Run;
  try {
    r = await cli(argv);
  } catch (e) {
    // main() rethrows only what is not a BatonError: the CLI would print "internal error".
    throw new Error(`${what}: baton ${argv.join(" ")} threw ${(e as Error).name}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const ctx = `${what}: baton ${argv.join(" ")} -> exit ${r.code}\nstdout: ${r.out.slice(0, 400)}\nstderr: ${r.err.slice(0, 400)}`;
  expect([0, 1, 2], ctx).toContain(r.code);
  expect(r.out + r.err, ctx).not.toMatch(/internal error|Maximum call stack|at .*\.ts:\d+:\d+\)/);
  expect(r.ms, ctx).toBeLessThan(RUN_MS);
  if (r.code === 2) expect(r.err, ctx).toMatch(/error: [\s\S]*usage:/);
  // Located: names the input, or a source line (an ELF object's C file, from its line info).
  if (r.code === 1 && file !== null && !(r.out + r.err).includes(file))
    expect(r.out + r.err, ctx).toMatch(/^\S+:\d+:\d+: error: /m);
  return r;
}

/** mulberry32: a small, fixed-seed PRNG (fast-check's shrinking is not needed here). */
function rng(seed: number): { int(n: number): number; pick<T>(xs: readonly T[]): T } {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { int: (n) => Math.floor(next() * n), pick: (xs) => xs[Math.floor(next() * xs.length)]! };
}

type Rng = ReturnType<typeof rng>;

/** One mutation of `a` (bytes), using `corpus` for splices and `tokens` for insertions. */
function mutate(r: Rng, a: Uint8Array, corpus: readonly Uint8Array[], tokens: readonly string[]): Uint8Array {
  const b = Buffer.from(a);
  switch (r.int(6)) {
    case 0: {
      // bit flips
      const n = 1 + r.int(8);
      for (let i = 0; i < n && b.length > 0; i++) b[r.int(b.length)]! ^= 1 << r.int(8);
      return b;
    }
    case 1:
      return b.subarray(0, r.int(b.length + 1)); // truncation
    case 2: {
      // splice: a prefix of this input, a suffix of another
      const o = r.pick(corpus);
      return Buffer.concat([b.subarray(0, r.int(b.length + 1)), Buffer.from(o).subarray(r.int(o.length + 1))]);
    }
    case 3: {
      // a chunk duplicated in place
      const i = r.int(b.length + 1);
      const j = Math.min(b.length, i + r.int(64));
      return Buffer.concat([b.subarray(0, j), b.subarray(i, j), b.subarray(i)]);
    }
    case 4: {
      // a chunk deleted
      const i = r.int(b.length + 1);
      return Buffer.concat([b.subarray(0, i), b.subarray(Math.min(b.length, i + 1 + r.int(32)))]);
    }
    default: {
      // a hostile token inserted
      const i = r.int(b.length + 1);
      return Buffer.concat([b.subarray(0, i), Buffer.from(r.pick(tokens)), b.subarray(i)]);
    }
  }
}

const text = (p: string): Uint8Array => new Uint8Array(readFileSync(p));
const filesIn = (dir: string, ext: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => join(dir, f));

const POLICIES = filesIn("policies", ".baton");
const ASM = [
  ...filesIn("test/golden/disasm", ".s"),
  ...filesIn("test/golden/verifier", ".s").slice(0, 20),
  "examples/least_loaded.s",
];
const ELF = filesIn("test/fixtures/c", ".o");
const SCENARIOS = filesIn("scenarios", ".json").filter((f) => !f.endsWith("schema.json"));

const POLICY_TOKENS = [
  "(",
  ")",
  "{",
  "}",
  "[",
  "]",
  ",",
  ";",
  " + ",
  " && ",
  " ?? ",
  " as u8",
  "-",
  "!",
  "99999999999999999999999",
  "0x",
  '"',
  "on select {",
  "fn f(",
  "let",
  "if ",
  "else ",
  "for i in 0..",
  "(".repeat(200),
  "a + ".repeat(300),
  "\u0000",
  "é",
  "\n",
];
const ASM_TOKENS = [
  "r11",
  "r10 = 1",
  "goto -1",
  "goto +32767",
  "call 99999",
  "exit",
  "lddw",
  "*(u64 *)(r10 -520) = r1",
  "0x",
  "-",
  "\n",
  ":",
  "# maps: 1:array:4:8:4",
  "# maps: 1:zz",
  "%",
  "\u0000",
];
const JSON_TOKENS = [
  "{",
  "}",
  "[",
  "]",
  ",",
  ":",
  '"',
  "null",
  "-1",
  "1e308",
  "1e15",
  "0",
  "0.0000001",
  "NaN",
  "[".repeat(500),
  '"count": 1e12,',
  '"sampleMs": 0,',
  '"durationMs": 1e15,',
  '"rate": 1e300,',
  "\\u0000",
];
const DATA_TOKENS = [
  "-- asm",
  "-- raw",
  "-- mem",
  "-- result",
  "-- error",
  "-- bogus",
  "0x",
  "zz",
  "exit",
  "r0 = ",
  "\n",
  "ffffffffffffffffff",
  "#",
];

/** Small scenarios: the shipped ones with client counts cut to 200, so a valid mutant runs fast. */
function smallScenario(p: string): Uint8Array {
  const j = JSON.parse(readFileSync(p, "utf8")) as { clients?: { count: number; hashes?: unknown }[] };
  for (const c of j.clients ?? []) {
    c.count = Math.min(c.count, 200);
    delete c.hashes;
  }
  return new Uint8Array(Buffer.from(JSON.stringify(j, null, 1)));
}

/**
 * Mutate `corpus` `n` times into files named `stem-i.ext`, and run `argv(file)` on each.
 * Returns the exit codes seen (so a test can tell the inputs reached past the first check).
 */
async function fuzz(opts: {
  seed: number;
  n: number;
  corpus: readonly Uint8Array[];
  tokens: readonly string[];
  ext: string;
  argv: (f: string, r: Rng) => string[];
}): Promise<Map<number, number>> {
  const r = rng(opts.seed);
  const codes = new Map<number, number>();
  const dir = join(tmp, `${opts.ext.replace(/\W/g, "")}-${opts.seed}`);
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < opts.n; i++) {
    let input = r.pick(opts.corpus);
    const rounds = 1 + r.int(3);
    for (let k = 0; k < rounds; k++) input = mutate(r, input, opts.corpus, opts.tokens);
    const f = join(dir, `m${i}${opts.ext}`);
    writeFileSync(f, input);
    const run = await expectClean(opts.argv(f, r), f, `seed ${opts.seed} input ${i} (${f})`);
    codes.set(run.code, (codes.get(run.code) ?? 0) + 1);
  }
  return codes;
}

/** Compiled policies as raw `.bin` bytes (the `.bin` corpus). */
async function binCorpus(): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const p of POLICIES.slice(0, 5)) {
    const f = join(tmp, `${p.replace(/\W/g, "_")}.bin`);
    const r = await cli(["compile", p, "-o", f]);
    expect(r.code).toBe(0);
    out.push(text(f));
  }
  return out;
}

describe("fuzz: every reader ends in 0, 1 or 2 with a located message", () => {
  it(".baton sources (check, test, compile --json)", async () => {
    const codes = await fuzz({
      seed: 1901,
      n: 50,
      corpus: POLICIES.map(text),
      tokens: POLICY_TOKENS,
      ext: ".baton",
      argv: (f, r) => {
        const cmd = r.pick(["check", "test", "compile"]);
        return [cmd, f, ...(cmd === "compile" ? [r.pick(["--json", "--asm", "--annotate"])] : [])];
      },
    });
    expect(codes.get(1) ?? 0).toBeGreaterThan(10); // most mutants are refused, with a location
  }, 60_000);

  it(".s assembly (asm, verify, run)", async () => {
    await fuzz({
      seed: 1902,
      n: 40,
      corpus: ASM.map(text),
      tokens: ASM_TOKENS,
      ext: ".s",
      argv: (f, r) =>
        r.pick([
          ["asm", f],
          ["verify", f],
          ["run", f, "--budget", "20000"],
          ["disasm", f],
        ]),
    });
  }, 60_000);

  it(".bin raw bytecode (disasm, verify, run)", async () => {
    const corpus = await binCorpus();
    await fuzz({
      seed: 1903,
      n: 40,
      corpus,
      tokens: [
        "\u0095\u0000\u0000\u0000\u0000\u0000\u0000\u0000",
        "\u0018",
        "\u0085\u0000\u0000\u0000\u00ff\u00ff\u00ff\u00ff",
        "\u0000".repeat(7),
      ],
      ext: ".bin",
      argv: (f, r) =>
        r.pick([
          ["disasm", f],
          ["verify", f],
          ["run", f, "--budget", "20000"],
          ["disasm", f, "--hex"],
        ]),
    });
  }, 60_000);

  it(".o ELF objects (disasm, verify, run)", async () => {
    await fuzz({
      seed: 1904,
      n: 40,
      corpus: ELF.map(text),
      tokens: ["\u007fELF", "\u0000".repeat(16), "\u00ff".repeat(8), ".maps", "license", "sk_reuseport"],
      ext: ".o",
      argv: (f, r) =>
        r.pick([
          ["disasm", f],
          ["verify", f],
          ["run", f, "--json"],
        ]),
    });
  }, 60_000);

  it("scenario JSON (simulate, --json)", async () => {
    const codes = await fuzz({
      seed: 1905,
      n: 40,
      corpus: SCENARIOS.map(smallScenario),
      tokens: JSON_TOKENS,
      ext: ".json",
      argv: (f, r) => ["simulate", f, ...(r.int(2) === 0 ? ["--json"] : [])],
    });
    expect(codes.get(1) ?? 0).toBeGreaterThan(10);
  }, 60_000);

  it("conformance .data files", async () => {
    const corpus = readdirSync(CONFORMANCE_DIR)
      .filter((f) => f.endsWith(".data"))
      .sort()
      .slice(0, 60)
      .map((f) => text(join(CONFORMANCE_DIR, f)));
    await fuzz({ seed: 1906, n: 40, corpus, tokens: DATA_TOKENS, ext: ".data", argv: (f) => ["conformance", f] });
  }, 60_000);

  it("command-line flags, generated", async () => {
    const r = rng(1907);
    // Copies in the scratch directory: `compile` without an output option writes FILE.bin beside its input.
    const flagDir = join(tmp, "flags");
    mkdirSync(flagDir, { recursive: true });
    const copy = (f: string): string => {
      const to = join(flagDir, f.replace(/^.*\//, ""));
      copyFileSync(f, to);
      return to;
    };
    const files = [
      copy(POLICIES[0]!),
      copy(ASM[0]!),
      copy(ELF[0]!),
      copy(SCENARIOS[0]!),
      join(tmp, "missing.baton"),
      tmp,
      "",
    ];
    const flags = [
      "--json",
      "--engine",
      "--budget",
      "--mem",
      "--mem-file",
      "--hash",
      "--migrate",
      "--listeners",
      "--len",
      "--cpu",
      "--seed",
      "--program",
      "--style",
      "--labels",
      "--hex",
      "--attach",
      "--map",
      "--type",
      "--log-level",
      "--strict",
      "--unprivileged",
      "--verbose",
      "--connections",
      "--no-verify",
      "--asm",
      "--annotate",
      "-o",
      "--elf",
      "--",
      "-x",
      "--bogus",
    ];
    const values = [
      "",
      "0",
      "-1",
      "1e9",
      "99999999999999999999",
      "0x",
      "0xffffffffffffffff",
      "jit",
      "interp",
      "nope",
      "established",
      "kernel",
      "1:array:4:4:4",
      "1:zz",
      "a b",
      "aabb01",
      "zz",
      "\u0000",
      "=",
      "select",
    ];
    const commands = [
      "asm",
      "check",
      "compile",
      "disasm",
      "run",
      "simulate",
      "test",
      "verify",
      "conformance",
      "help",
      "nope",
      "--help",
    ];
    for (let i = 0; i < 90; i++) {
      const argv: string[] = [r.pick(commands)];
      const n = r.int(5);
      for (let k = 0; k < n; k++) {
        const x = r.int(3);
        if (x === 0) argv.push(r.pick(files));
        else if (x === 1) argv.push(r.pick(flags));
        else argv.push(r.pick(values));
      }
      // Outputs only into the scratch directory; the kernel comparison and benches stay out.
      for (let k = 0; k < argv.length; k++)
        if (argv[k] === "-o" || argv[k] === "--elf") argv.splice(k + 1, 0, join(tmp, `out${i}`));
      await expectClean(argv, null, `flags ${i}`);
    }
  }, 60_000);
});

/** A policy whose `on select` binds `x` to `expr` (and uses it). */
const policyWith = (expr: string): string =>
  `on select {\n  let a = ctx.hash\n  let x = ${expr}\n  if x > 7 { drop }\n  pass\n}\n`;

function write(name: string, body: string): string {
  const f = join(tmp, name);
  writeFileSync(f, body);
  return f;
}

describe("regressions: the extreme inputs of issue 19", () => {
  it(`${MAX_EXPR_DEPTH} nested parentheses compile; one more is parse.too-deep at the parenthesis that crosses the limit`, async () => {
    const ok = write("paren-ok.baton", policyWith(`${"(".repeat(MAX_EXPR_DEPTH)}a${")".repeat(MAX_EXPR_DEPTH)}`));
    expect((await expectClean(["check", ok], ok, "parens")).code).toBe(0);
    const deep = write(
      "paren-deep.baton",
      policyWith(`${"(".repeat(MAX_EXPR_DEPTH + 1)}a${")".repeat(MAX_EXPR_DEPTH + 1)}`),
    );
    const r = await expectClean(["check", deep], deep, "parens + 1");
    expect(r.code).toBe(1);
    // "  let x = " is 10 columns: the first `(` is column 11, the one past the limit 11 + 1000.
    expect(r.err).toContain(
      `${deep}:3:${11 + MAX_EXPR_DEPTH}: error: expression nests more than ${MAX_EXPR_DEPTH} levels deep`,
    );
  });

  it("95 nested parentheses (the reported crash) compile", async () => {
    const f = write("paren95.baton", policyWith(`${"(".repeat(95)}a + 1${")".repeat(95)}`));
    expect((await expectClean(["check", f], f, "95 parens")).code).toBe(0);
  });

  it(`${MAX_EXPR_DEPTH}-deep right-nested sums, calls, prefix operators: compile or a located error, never a crash`, async () => {
    const n = MAX_EXPR_DEPTH - 1;
    const shapes: Record<string, string> = {
      rightSum: `${"1 + (".repeat(n)}1${")".repeat(n)}`,
      calls: `${"f(".repeat(n)}a${")".repeat(n)}`,
      complement: `${"~".repeat(n)}a`,
      casts: `a${" as u32".repeat(n)}`,
    };
    for (const [name, e] of Object.entries(shapes)) {
      const f = write(`deep-${name}.baton`, `fn f(x: u32) -> u32 { return x }\n${policyWith(e)}`);
      const r = await expectClean(["compile", f, "--json"], f, name);
      expect(r.code, `${name}: ${r.err}`).toBe(0);
    }
    // A right-nested sum of variables needs a register per level: the stack limit, located.
    const f = write("deep-vars.baton", policyWith(`${"a + (".repeat(n)}a${")".repeat(n)}`));
    const r = await expectClean(["compile", f, "--json"], f, "right-nested variables");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`${f}:3:\\d+: error: the policy needs more than 512 bytes of stack`));
  });

  it("functions inlined into each other, each nesting deep: codegen.too-deep at a policy line, not a crash", async () => {
    let src = "";
    for (let i = 0; i < 12; i++)
      src += `fn f${i}(x: u32) -> u32 {\n  return ${"~(".repeat(450)}${i === 11 ? "x" : `f${i + 1}(x)`}${")".repeat(450)}\n}\n`;
    const f = write(
      "inline-chain.baton",
      `${src}on select {\n  let y = f0(ctx.hash)\n  if y > 1 { drop }\n  pass\n}\n`,
    );
    const r = await expectClean(["compile", f, "--json"], f, "inline chain");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      new RegExp(`${f}:\\d+:\\d+: error: functions inlined into each other nest too deeply to generate`),
    );
  });

  it("a 3,000-term and a 100,000-term chain (left-associative) never crash", async () => {
    const t3 = write("chain3000.baton", policyWith(`a${" + a".repeat(2999)}`));
    expect((await expectClean(["compile", t3, "--json"], t3, "3,000 terms")).code).toBe(0);
    const c = write("chain100k-const.baton", policyWith(`1${" + 1".repeat(99_999)}`));
    const rc = await expectClean(["compile", c, "--json"], c, "100,000 constant terms");
    expect(rc.code).toBe(0);
    // 100,000 additions of a variable are 200,000 instructions: no 16-bit jump spans them; the
    // refusal points at the policy line.
    const v = write("chain100k.baton", policyWith(`a${" + a".repeat(99_999)}`));
    const rv = await expectClean(["compile", v, "--json"], v, "100,000 terms");
    expect(rv.code).toBe(1);
    expect(rv.err).toMatch(new RegExp(`${v}:\\d+:\\d+: error: jump of \\d+ instructions does not fit in 16 bits`));
    // Conditions go through the code generator's work list, not recursion.
    const and = write("and10k.baton", policyWith(`(a > 1${" && a > 2".repeat(9_999)}) as u32`));
    expect((await expectClean(["compile", and, "--json"], and, "10,000 && terms")).code).toBe(0);
  }, 60_000);

  it(`blocks nest at most ${MAX_STMT_DEPTH} levels; else-if arms do not nest`, async () => {
    const blocks = write(
      "blocks.baton",
      `on select {\n${"{ ".repeat(MAX_STMT_DEPTH - 1)}let y = ctx.hash${" }".repeat(MAX_STMT_DEPTH - 1)}\n pass\n}\n`,
    );
    expect((await expectClean(["compile", blocks, "--json"], blocks, "blocks")).code).toBe(0);
    const deeper = write("blocks-deep.baton", `on select {\n${"{ ".repeat(10_000)}${" }".repeat(10_000)}\n pass\n}\n`);
    const r = await expectClean(["compile", deeper, "--json"], deeper, "10,000 blocks");
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `${deeper}:2:${2 * MAX_STMT_DEPTH - 1}: error: statements nest more than ${MAX_STMT_DEPTH} levels deep`,
    );
    let arms = "let h = ctx.hash\n";
    for (let i = 0; i < 5000; i++) arms += `${i > 0 ? " else " : ""}if h == ${i} { drop }`;
    const elif = write("elif.baton", `on select {\n${arms}\n pass\n}\n`);
    const re = await expectClean(["compile", elif, "--json"], elif, "5,000 else-if arms");
    expect(re.code, re.err).toBe(0);
    const ifs = write(
      "ifs.baton",
      `on select {\n${"if ctx.hash > 1 { ".repeat(MAX_STMT_DEPTH - 1)}drop${" }".repeat(MAX_STMT_DEPTH - 1)}\n pass\n}\n`,
    );
    expect((await expectClean(["compile", ifs, "--json"], ifs, "nested ifs")).code).toBe(0);
  });

  it("scenario JSON nested 100,000 levels deep is refused before parsing, with the position", async () => {
    const f = write("deep.json", `${"[".repeat(100_000)}${"]".repeat(100_000)}`);
    const r = await expectClean(["simulate", f], f, "deep JSON");
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${f}: line 1, column 65: JSON nests more than 64 levels deep`);
  });

  it("durationMs 1e15 and sampleMs 0 are refused up front, naming the field", async () => {
    const base = JSON.parse(readFileSync(SCENARIOS[0]!, "utf8")) as Record<string, unknown>;
    const long = write("long.json", JSON.stringify({ ...base, durationMs: 1e15 }));
    const r1 = await expectClean(["simulate", long], long, "durationMs 1e15");
    expect(r1.code).toBe(1);
    expect(r1.err).toContain(`${long}: /durationMs: expected a number from 0 to 86400000, got 1000000000000000`);
    const zero = write("sample0.json", JSON.stringify({ ...base, sampleMs: 0 }));
    const r2 = await expectClean(["simulate", zero, "--json"], zero, "sampleMs 0");
    expect(r2.code).toBe(1);
    expect(r2.err).toContain(`${zero}: /sampleMs: expected a number from 0.001 to 86400000, got 0`);
    const fine = write("sample-fine.json", JSON.stringify({ ...base, sampleMs: 0.001 }));
    const r3 = await expectClean(["simulate", fine, "--json"], fine, "sampleMs 0.001");
    expect(r3.code).toBe(1);
    expect(r3.err).toMatch(
      /\/sampleMs: sampling every 0\.001 ms over [\d,]+ ms records [\d,]+ samples per listener; the limit is 100,000: raise sampleMs to at least/,
    );
    const many = write("many.json", JSON.stringify({ ...base, clients: [{ count: 6e6 }, { count: 6e6 }] }));
    const r4 = await expectClean(["simulate", many], many, "12M connections");
    expect(r4.code).toBe(1);
    expect(r4.err).toContain(
      "/clients/1/count: the clients up to here open 12,000,000 connections; a scenario may open at most 10,000,000",
    );
    const longName = write("long-name.json", JSON.stringify({ ...base, listeners: [{ name: "L".repeat(1_000_000) }] }));
    const r6 = await expectClean(["simulate", longName], longName, "a 1,000,000-character listener name");
    expect(r6.code).toBe(1);
    expect(r6.err).toContain(`${longName}: /listeners/0/name: expected at most 256 characters, got 1000000`);
    const kept = write("kept.json", JSON.stringify({ ...base, clients: [{ count: 600_000 }] }));
    const r5 = await expectClean(["simulate", kept, "--connections"], kept, "--connections with 600,000");
    expect(r5.code).toBe(1);
    expect(r5.err).toContain(
      "/clients: --connections keeps all 600,000 connection records in memory; the limit is 500,000: stream them with --ndjson FILE instead",
    );
  });

  it("run --budget is capped, so an endless loop ends in bounded time", async () => {
    const f = write("loop.s", "mov %r0, 0\nja -1\nexit\n");
    const over = await expectClean(["run", f, "--budget", String(MAX_RUN_BUDGET + 1)], f, "budget too large");
    expect(over.code).toBe(2);
    expect(over.err).toContain(`--budget expects an integer from 1 to ${MAX_RUN_BUDGET}`);
    const r = await expectClean(["run", f, "--budget", "10000"], f, "budget");
    expect(r.code).toBe(1);
    expect(r.err).toContain("instruction budget of 10000 exhausted");
  });

  it("a policy source past 4 MiB is refused before lexing, at the character past the limit", async () => {
    const line = `// ${"x".repeat(1020)}\n`; // 1,024 characters a line
    const f = write("huge.baton", `on select { pass }\n${line.repeat(MAX_SOURCE_CHARS / 1024 + 10)}`);
    const r = await expectClean(["check", f], f, "huge source");
    expect(r.code).toBe(1);
    // 19 characters on line 1, then 1,024 a line: the 4,194,305th character is on line 4,097.
    expect(r.err).toMatch(
      new RegExp(`${f}:4097:\\d+: error: the policy is [\\d,]+ characters; the limit is 4,194,304`),
    );
  });

  it("a program of more than 1,000,000 instructions is refused before it is decoded (the kernel's E2BIG)", async () => {
    const slot = Buffer.from([0xb7, 0, 0, 0, 1, 0, 0, 0]);
    const f = join(tmp, "huge.bin");
    writeFileSync(f, Buffer.alloc((MAX_PROGRAM_INSNS + 1) * 8, slot));
    for (const cmd of ["disasm", "verify", "run"]) {
      const r = await expectClean([cmd, f], f, `${cmd} huge`);
      expect(r.code).toBe(1);
      expect(r.err).toContain(
        `${f}: insn ${MAX_PROGRAM_INSNS}: error: '${f}' holds 1,000,001 instructions; the kernel loads at most 1,000,000 (bpf_prog_load: E2BIG)`,
      );
    }
  });

  it("conformance on a file that is not a conformance file fails (exit 1)", async () => {
    const bytes = Buffer.alloc(4096);
    const r = rng(19);
    for (let i = 0; i < bytes.length; i++) bytes[i] = r.int(256);
    const f = write("garbage.bin", bytes.toString("latin1"));
    const run = await expectClean(["conformance", f], f, "garbage");
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/FAIL .*garbage\.bin: line \d+: not a conformance data file/);
    expect(run.out).toContain("0 passed, 1 failed, 0 skipped");
  });
});

describe("the installed entry point", () => {
  // npm test builds dist/ first; a dist/ older than the CLI's source would test old code.
  const built =
    existsSync("dist/cli/main.js") && statSync("dist/cli/main.js").mtimeMs >= statSync("src/cli/main.ts").mtimeMs;

  it.skipIf(!built)(
    "exits quietly when the reader closes the pipe (EPIPE), built CLI (skipped without a dist/ as new as src/cli/main.ts: npm run build)",
    () => {
      // 20,000 instructions disassemble to ~400 KB, far past a pipe's buffer.
      const big = join(tmp, "epipe.bin");
      writeFileSync(big, Buffer.concat(Array.from({ length: 20_000 }, () => Buffer.from([0xb7, 0, 0, 0, 1, 0, 0, 0]))));
      const r = spawnSync("sh", ["-c", `node bin/baton.js disasm '${big}' | head -1`], {
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(r.stdout.split("\n").length).toBe(2);
      expect(r.stderr).toBe("");
    },
  );

  it("says to run npm run build when dist/ is missing", () => {
    const dir = join(tmp, "nodist", "bin");
    mkdirSync(dir, { recursive: true });
    copyFileSync("bin/baton.js", join(dir, "baton.js"));
    const r = spawnSync(process.execPath, [join(dir, "baton.js"), "--help"], { encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("run `npm run build` first");
    expect(r.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|at .*:\d+:\d+/);
  });
});
