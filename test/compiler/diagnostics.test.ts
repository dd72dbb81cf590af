/**
 * Diagnostics as data: source → the exact rendered errors (`file:line:col: error: …`, the
 * source line, the caret and the note). Syntax errors are all reported in one run.
 */
import { describe, expect, it } from "vitest";
import { tryCompile } from "../../src/compiler/index.js";
import { formatError } from "../../src/errors.js";

function diagnose(src: string): string[] {
  return tryCompile(src, "t.baton").errors.map((e) => formatError(e, src));
}

const FIRST_LINE: ReadonlyArray<readonly [string, string, string]> = [
  // [name, source, first header line]
  ["missing name after let", "on select { let = 5 }", "t.baton:1:17: error: expected a name, found `=`"],
  ["unclosed block", "on select { pass", "t.baton:1:17: error: expected '}', found end of file"],
  ["missing expression", "on select { let x = }", "t.baton:1:21: error: expected an expression, found `}`"],
  ["bad entry name", "on sel { pass }", "t.baton:1:4: error: expected `select` or `migrate` after `on`, found `sel`"],
  [
    "stray top-level word",
    "policy p\nfoo\non select { pass }",
    "t.baton:2:1: error: expected a declaration (map, const, fn, on or test), found `foo`",
  ],
  ["select without else", "on select { select m[1] }", "t.baton:1:25: error: expected 'else', found `}`"],
  ["bad character", "on select { $ pass }", "t.baton:1:13: error: unexpected character `$`"],
  [
    "optional stored in a variable",
    "map m: array<u32, u32>[4]\non select { let x = m[0]\n pass }",
    "t.baton:2:21: error: `x` would hold an optional",
  ],
  [
    "misspelt map",
    "map listeners: reuseport_sockarray<u32>[4]\non select { select listners[0] else pass }",
    "t.baton:2:20: error: unknown map `listners`",
  ],
  [
    "constant out of range",
    "on select { let x: u8 = 300\n pass }",
    "t.baton:1:25: error: initializer of `x`: constant 300 does not fit in u8 (0..255)",
  ],
  [
    "no implicit signedness change",
    "on select { let x = ctx.hash\n let y: i32 = x\n pass }",
    "t.baton:2:15: error: initializer of `y`: expected i32, found u32",
  ],
  [
    "mismatched operands",
    "on select { let a: i32 = 1\n let b = ctx.hash + a\n pass }",
    "t.baton:2:10: error: mismatched types in `+`: u32 and i32",
  ],
  [
    "missing verdict",
    "on select { if ctx.hash > 5 { pass } }",
    "t.baton:1:13: error: `on select` can reach its end without a verdict",
  ],
  ["unreachable code", "on select { pass\n let x = 1 }", "t.baton:2:2: error: unreachable code"],
  [
    "constant division by zero",
    "const N = 0\non select { let x = ctx.hash / N\n pass }",
    "t.baton:2:32: error: division by constant zero",
  ],
  [
    "shift out of range",
    "on select { let x = ctx.hash << 32\n pass }",
    "t.baton:1:33: error: shift by 32 is out of range for u32 (0..31)",
  ],
  [
    "loop bound not constant",
    "on select { for i in 0..ctx.hash { }\n pass }",
    "t.baton:1:25: error: loop bounds must be constants",
  ],
  [
    "loop too long",
    "on select { for i in 0..5000 { }\n pass }",
    "t.baton:1:25: error: loop runs 5000 times; the limit is 1024",
  ],
  [
    "recursion",
    "fn f(x: u32) -> u32 { return g(x) }\nfn g(x: u32) -> u32 { return f(x) }\non select { let y = f(1)\n pass }",
    "t.baton:2:30: error: recursive call: f -> g -> f",
  ],
  ["unknown map kind", "map m: aray<u32, u32>[4]\non select { pass }", "t.baton:1:8: error: unknown map kind `aray`"],
  ["unknown ctx field", "on select { let x = ctx.hsh\n pass }", "t.baton:1:21: error: `ctx` has no field `hsh`"],
  [
    "sock_common field",
    "on migrate { let s = migrating.protocol\n pass }",
    "t.baton:1:22: error: `migrating.protocol` cannot be read: the migrating request is a sock_common",
  ],
  [
    "migrating outside migrate",
    "on select { let s = migrating.state\n pass }",
    "t.baton:1:21: error: `migrating` is only available in `on migrate`",
  ],
  [
    "immutable variable",
    "on select { let x = 1\n x = 2\n pass }",
    "t.baton:2:2: error: cannot assign twice to `x`: it is not mutable",
  ],
  [
    "bool in arithmetic",
    "on select { let x: u32 = 1 + true\n pass }",
    "t.baton:1:30: error: operand of `+`: expected an integer, found bool",
  ],
  [
    "duplicate entry",
    "on select { drop }\non select { pass }",
    "t.baton:2:1: error: `on select` is already defined on line 1",
  ],
  [
    "missing return",
    "fn f() -> u32 { let x = 1 }\non select { pass }",
    "t.baton:1:17: error: function `f` can reach its end without returning a u32",
  ],
  ["break outside loop", "on select { break }", "t.baton:1:13: error: `break` outside a loop"],
  [
    "bad update flags",
    "map m: hash<u64, u32>[4]\non select { m.update(1, 2, 7)\n pass }",
    "t.baton:2:28: error: map update flags must be ANY (0), NOEXIST (1) or EXIST (2), found 7",
  ],
  [
    "array delete",
    "map m: array<u32, u32>[4]\non select { m.delete(1)\n pass }",
    "t.baton:2:13: error: elements of array map `m` cannot be deleted (the kernel returns -EINVAL)",
  ],
  [
    "select from a data map",
    "map m: array<u32, u32>[4]\non select { select m[0] else pass }",
    "t.baton:2:20: error: `select` needs a socket map (reuseport_sockarray, sockmap, sockhash); `m` is a map of kind array",
  ],
  [
    "socket map read",
    "map s: reuseport_sockarray<u32>[4]\non select { let x = s[0] ?? 0\n pass }",
    "t.baton:2:21: error: `s` holds listeners; a program can only `select` from it",
  ],
  [
    "array key type",
    "map m: array<u64, u32>[4]\non select { pass }",
    "t.baton:1:14: error: array keys must be u32 (an index), found u64",
  ],
  [
    "verdict in a function",
    "fn f() { drop }\non select { f()\n pass }",
    "t.baton:1:10: error: `drop` is only allowed in `on` blocks",
  ],
  ["return in an entry", "on select { return 1 }", "t.baton:1:13: error: `return` is only allowed in functions"],
  [
    "unused expression",
    "on select { ctx.hash + 1\n pass }",
    "t.baton:1:13: error: this expression's value is not used",
  ],
  ["negating unsigned", "on select { let x = -ctx.hash\n pass }", "t.baton:1:21: error: cannot negate unsigned u32"],
  [
    "int to bool cast",
    "on select { let b = ctx.hash as bool\n pass }",
    "t.baton:1:21: error: cannot convert u32 to bool",
  ],
  [
    "if let on a plain value",
    "on select { if let v = ctx.hash { pass }\n pass }",
    "t.baton:1:24: error: `if let` needs an optional (a map lookup or packet load), found u32",
  ],
  [
    "unknown test field",
    'test "t" { expect connect { hsh: 1 } => pass }',
    "t.baton:1:29: error: unknown connect field `hsh`",
  ],
  [
    "expect outside a test",
    "on select { expect connect => pass\n pass }",
    "t.baton:1:13: error: `expect` is only allowed in a `test` block",
  ],
  ["unknown type", "on select { let x: u33 = 1\n pass }", "t.baton:1:20: error: unknown type `u33`"],
];

describe("diagnostics: first error of each case", () => {
  it.each(FIRST_LINE)("%s", (_, src, header) => {
    const errs = diagnose(src);
    expect(errs.length).toBeGreaterThan(0);
    expect(errs[0]!.split("\n")[0]).toBe(header);
  });
});

describe("diagnostics: full rendering", () => {
  it("shows the line, a caret under the span and a did-you-mean note", () => {
    const src = "map listeners: reuseport_sockarray<u32>[4]\non select { select listners[0] else pass }";
    expect(diagnose(src)).toEqual([
      "t.baton:2:20: error: unknown map `listners`\non select { select listners[0] else pass }\n                   ^^^^^^^^\nnote: did you mean `listeners`?",
    ]);
  });

  it("reports several syntax errors in one run", () => {
    const src = "on select {\n  let = 5\n  pass\n}\nmap m: array<u32, u32>[4\nfn f( { }\n";
    const headers = diagnose(src).map((e) => e.split("\n")[0]);
    expect(headers.length).toBeGreaterThanOrEqual(2);
    expect(headers[0]).toBe("t.baton:2:7: error: expected a name, found `=`");
    expect(headers.some((h) => h!.startsWith("t.baton:6:"))).toBe(true);
  });

  it("reports several checker errors in one run", () => {
    const src = "on select {\n  let a = ctx.hsh\n  let b: u8 = 1000\n  pass\n}\n";
    expect(diagnose(src).map((e) => e.split("\n")[0])).toEqual([
      "t.baton:2:11: error: `ctx` has no field `hsh`",
      "t.baton:3:15: error: initializer of `b`: constant 1000 does not fit in u8 (0..255)",
    ]);
  });

  it("gives a hint for optionals", () => {
    const src = "map m: array<u32, u32>[4]\non select { let x = m[0] + 1\n pass }";
    expect(diagnose(src)[0]).toBe(
      "t.baton:2:21: error: operand of `+` is optional\non select { let x = m[0] + 1\n                    ^^^^\nnote: a lookup may find nothing: unwrap it with `?? default` or `if let v = …`",
    );
  });
});
