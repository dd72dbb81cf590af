/**
 * What compiled policies compute, run in the VM runtime: integer widths and wrapping, signed
 * arithmetic, casts, runtime division by zero, short-circuit logic, optionals, map updates,
 * loops, inlined functions, register spills and context fields. Each program is also checked
 * by Baton's verifier and, when available, by the kernel's.
 */
import { describe, expect, it } from "vitest";
import { batonVerify, compile, kernel, kernelCheck, run, type RunInput } from "./harness.js";

interface Case {
  readonly name: string;
  /** Statements of `on select` (or `on migrate` when `migrate` is set) before `pass`. */
  readonly body: string;
  readonly decls?: string;
  readonly input?: RunInput;
  readonly migrate?: boolean;
  /** Expected `out[i]` values (i64 map); null = absent. */
  readonly out: readonly (bigint | null)[];
}

const CASES: Case[] = [
  { name: "u8 addition wraps", body: "let a: u8 = 250\nlet b: u8 = 10\nout[0] = (a + b) as i64", out: [4n] },
  { name: "u16 multiplication wraps", body: "let a: u16 = 300\nout[0] = (a * a) as i64", out: [24464n] },
  { name: "u32 addition wraps", body: "out[0] = (ctx.hash + 1) as i64", input: { hash: 0xffffffff }, out: [0n] },
  {
    name: "widening to u64 does not wrap",
    body: "let h: u64 = ctx.hash\nout[0] = (h + 1) as i64",
    input: { hash: 0xffffffff },
    out: [0x100000000n],
  },
  {
    name: "signed division truncates toward zero",
    body: "let a: i32 = -5\nout[0] = a / 2\nout[1] = a % 3",
    out: [-2n, -2n],
  },
  { name: "signed right shift is arithmetic", body: "let a: i8 = -128\nout[0] = a >> 1", out: [-64n] },
  { name: "unsigned right shift is logical", body: "let a: u32 = 0x80000000\nout[0] = (a >> 31) as i64", out: [1n] },
  {
    name: "casts truncate",
    body: "out[0] = (ctx.hash as u8) as i64\nout[1] = (ctx.hash as u16) as i64",
    input: { hash: 0x12345678 },
    out: [0x78n, 0x5678n],
  },
  {
    name: "casts to signed sign-extend",
    body: "out[0] = ctx.hash as i8\nout[1] = ctx.hash as i16",
    input: { hash: 0xff80 },
    out: [-128n, -128n],
  },
  { name: "signed to wider unsigned", body: "let x: i8 = -1\nout[0] = (x as u32) as i64", out: [0xffffffffn] },
  { name: "i32 overflow wraps", body: "let x: i32 = 2147483647\nout[0] = x + 1", out: [-2147483648n] },
  {
    name: "negation and complement",
    body: "let x: i32 = 7\nout[0] = -x\nout[1] = (~(ctx.hash as u8)) as i64",
    input: { hash: 1 },
    out: [-7n, 254n],
  },
  {
    name: "division by a runtime zero gives 0, modulo keeps the dividend",
    body: "out[0] = (ctx.hash / ctx.len) as i64\nout[1] = (ctx.hash % ctx.len) as i64",
    input: { hash: 17, len: 0 },
    out: [0n, 17n],
  },
  {
    name: "signed and unsigned comparisons",
    body: "let a: i32 = -1\nlet b: u32 = 0xffffffff\nif a < 0 { out[0] = 1 }\nif b > 0 { out[1] = 1 }\nif (a as u32) == b { out[2] = 1 }",
    out: [1n, 1n, 1n],
  },
  {
    name: "bool values and logic",
    body: "let big = ctx.hash > 10\nlet odd = ctx.hash % 2 == 1\nif big && !odd { out[0] = 1 }\nif big || odd { out[1] = 1 }\nlet both = big && odd\nif both == false { out[2] = 1 }",
    input: { hash: 12 },
    out: [1n, 1n, 1n],
  },
  {
    name: "constants fold, large ones load as lddw",
    decls: "const BIG: u64 = 0xdead_beef_cafe\nconst MID: u64 = 0x8000_0000",
    body: "out[0] = (BIG + MID) as i64\nout[1] = (MID * 2) as i64",
    out: [0xdeadbeefcafen + 0x80000000n, 0x100000000n],
  },
  {
    name: "?? on a missing and a present key",
    decls: "map m: hash<u32, u32>[8]",
    body: "out[0] = (m[1] ?? 5) as i64\nout[1] = (m[2] ?? 5) as i64",
    input: { maps: { m: [[2, 9]] } },
    out: [5n, 9n],
  },
  {
    name: "if let binds the value, else runs when absent",
    decls: "map m: hash<u64, u16>[8]",
    body: "if let v = m[7] { out[0] = v } else { out[0] = -1 }\nif let v = m[8] { out[1] = v } else { out[1] = -1 }",
    input: { maps: { m: [[7, 300]] } },
    out: [300n, -1n],
  },
  {
    name: "+= inserts when absent and adds when present",
    decls: "map c: hash<u32, u64>[8]\nmap d: array<u32, u8>[2]",
    body: "c[1] += 5\nc[1] += 6\nd[0] += 200\nd[0] += 100\nout[0] = (c[1] ?? 0) as i64\nout[1] = (d[0] ?? 0) as i64",
    out: [11n, 44n],
  },
  {
    name: "update with flags and delete",
    decls: "map h: hash<u32, u32>[8]",
    body: "let a = h.update(1, 10, NOEXIST)\nlet b = h.update(1, 11, NOEXIST)\nlet c = h.delete(1)\nlet d = h.delete(1)\nout[0] = a\nout[1] = b\nout[2] = c\nout[3] = d",
    out: [0n, -17n, 0n, -2n],
  },
  {
    name: "loops with break and continue",
    body: "let mut sum: u32 = 0\nfor i in 0..100 {\n  if i >= 10 { break }\n  if i % 2 == 1 { continue }\n  sum += i\n}\nout[0] = sum as i64",
    out: [20n],
  },
  {
    name: "nested loops",
    body: "let mut n: u64 = 0\nfor i in 0..5 {\n  for j in 0..5 { if j < i { n += 1 } }\n}\nout[0] = n as i64",
    out: [10n],
  },
  { name: "signed loop bounds", body: "let mut n: i32 = 0\nfor i in -3..3 { n += i }\nout[0] = n", out: [-3n] },
  {
    name: "inlined functions with early return",
    decls:
      "fn first_over(limit: u32) -> u32 {\n  for i in 0..50 {\n    if i * i > limit { return i }\n  }\n  return 99\n}\nfn twice(x: u32) -> u32 { return x + x }",
    body: "out[0] = first_over(30) as i64\nout[1] = twice(first_over(5)) as i64\nout[2] = first_over(100000) as i64",
    out: [6n, 6n, 99n],
  },
  {
    name: "deep expressions spill registers",
    body: "let a: u64 = 1\nlet b: u64 = 2\nlet c: u64 = 3\nlet d: u64 = 4\nlet e: u64 = 5\nlet f: u64 = 6\nlet g: u64 = 7\nlet h: u64 = 8\nout[0] = (((a*b)+(c*d))*((e*f)+(g*h)) + (a+(b+(c+(d+(e+(f+(g+h)))))))) as i64",
    out: [(2n + 12n) * (30n + 56n) + 36n],
  },
  {
    name: "helper calls inside expressions keep earlier values",
    decls: "map m: array<u32, u32>[4]",
    body: "let x = ctx.hash + (m[1] ?? 0) * 10 + (m[2] ?? 0)\nout[0] = x as i64",
    input: {
      hash: 1000,
      maps: {
        m: [
          [1, 7],
          [2, 3],
        ],
      },
    },
    out: [1073n],
  },
  {
    name: "context fields",
    body: "out[0] = ctx.hash as i64\nout[1] = ctx.len as i64\nout[2] = ctx.eth_protocol as i64\nout[3] = ctx.ip_protocol as i64",
    input: { hash: 77, len: 60, ethProtocol: 0x0800 },
    out: [77n, 60n, 0x0800n, 6n],
  },
  {
    name: "listener fields",
    body: "out[0] = listener.state as i64\nout[1] = listener.cookie as i64",
    input: { listenerCookie: 4242n },
    out: [10n, 4242n],
  },
  {
    name: "cpu, time",
    body: "out[0] = cpu() as i64\nout[1] = now() as i64",
    input: { cpu: 3, time: 5000 },
    out: [3n, 5000n],
  },
  {
    name: "packet loads are optional",
    body: "out[0] = (packet_u8(0) ?? 7) as i64\nif let w = packet_u32(100) { out[1] = w } else { out[1] = -1 }",
    out: [7n, -1n],
  },
  {
    name: "migrating fields",
    migrate: true,
    body: "out[0] = migrating.state as i64\nout[1] = migrating.cookie as i64\nout[2] = listener.state as i64",
    input: { migrating: { state: 12, cookie: 555n } },
    out: [12n, 555n, 7n],
  },
  {
    name: "shadowing in inner scopes",
    body: "let x: u32 = 1\nif ctx.hash == 0 {\n  let x: u32 = 2\n  out[0] = x as i64\n}\nout[1] = x as i64",
    out: [2n, 1n],
  },
];

function source(c: Case): string {
  return `map out: hash<u32, i64>[8]\n${c.decls ?? ""}\non ${c.migrate === true ? "migrate" : "select"} {\n${c.body}\npass\n}\n`;
}

describe("compiled semantics (VM runtime)", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const p = compile(source(c));
    const input: RunInput = {
      ...(c.input ?? {}),
      ...(c.migrate === true ? { migrating: c.input?.migrating ?? { state: 12 } } : {}),
    };
    const r = run(p, input);
    expect(r.ret).toBe(1);
    expect(c.out.map((_, i) => r.read("out", i))).toEqual(c.out);
  });
});

describe("compiled semantics: Baton's verifier accepts every program", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const v = batonVerify(compile(source(c)));
    expect(v.error?.message ?? null).toBe(null);
    expect(v.accepted).toBe(true);
  });
});

describe.skipIf(!kernel.available)(
  `compiled semantics: the kernel accepts every program${kernel.available ? "" : ` (skipped: ${kernel.reason})`}`,
  () => {
    it.each(CASES.map((c) => [c.name, c] as const))("%s", async (_, c) => {
      const k = await kernelCheck(compile(source(c)));
      expect(k.accepted, k.log.slice(-800)).toBe(true);
    });
  },
);

describe("verdicts", () => {
  const SRC = [
    "map arr: reuseport_sockarray<u32>[4]",
    "map sh: sockhash<u64>[4]",
    "map sm: sockmap<u32>[4]",
    "on select {",
    "  if ctx.hash == 1 { select arr[1] else drop }",
    "  if ctx.hash == 2 { select sh[0xffff_ffff_ff] else pass }",
    "  if ctx.hash == 3 { select sm[2] else drop }",
    "  select arr[3] else {",
    "    select arr[0] else drop",
    "  }",
    "}",
    "on migrate { drop }",
  ].join("\n");
  const maps = {
    arr: [
      [1, 11],
      [0, 10],
    ],
    sh: [[0xffffffffffn, 22]],
    sm: [[2, 33]],
  } as never;
  const ROWS: ReadonlyArray<readonly [string, RunInput, number, bigint | null]> = [
    ["sockarray hit", { hash: 1, maps }, 1, 11n],
    ["sockarray miss with else drop", { hash: 1 }, 0, null],
    ["sockhash with a u64 key", { hash: 2, maps }, 1, 22n],
    ["sockhash miss with else pass", { hash: 2 }, 1, null],
    ["sockmap", { hash: 3, maps }, 1, 33n],
    ["else block falls back to another slot", { hash: 4, maps }, 1, 10n],
    ["else block ends in drop", { hash: 4 }, 0, null],
    ["migrate entry drops", { hash: 1, maps, migrating: { state: 12 } }, 0, null],
  ];
  it.each(ROWS)("%s", (_, input, ret, selected) => {
    const r = run(compile(SRC), input);
    expect({ ret: r.ret, selected: r.selected }).toEqual({ ret, selected });
  });
  it.skipIf(!kernel.available)("the kernel accepts every socket map kind", async () => {
    expect((await kernelCheck(compile(SRC))).accepted).toBe(true);
  });
});
