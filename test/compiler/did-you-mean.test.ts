// Diagnostics: "did you mean" for unknown names of every kind, the `while` message,
// the loop-bound idiom, and a missing verdict located at the path that falls off the end.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tryCompile } from "../../src/compiler/index.js";
import { closestName, editDistance } from "../../src/compiler/types.js";
import { formatError, type SourceSpan } from "../../src/errors.js";
import { runs } from "../support/runs.js";

const HEAD =
  "map listeners: reuseport_sockarray<u32>[8]\nmap counts: hash<u32, u64>[8]\nconst SLOTS: u32 = 4\nfn pick(h: u32) -> u32 { return h % SLOTS }\n";

function errors(
  src: string,
): { code: string; message: string; hint: string | undefined; line: number; col: number; text: string }[] {
  return tryCompile(src, "t.baton").errors.map((e) => {
    const loc = e.location as SourceSpan;
    return { code: e.code, message: e.message, hint: e.hint, line: loc.line, col: loc.col, text: formatError(e, src) };
  });
}

// [kind, source, misspelt word, the suggestion]
const TYPOS: ReadonlyArray<readonly [string, string, string, string]> = [
  ["variable", "on select {\n  let total = ctx.hash\n  if totl > 3 { drop }\n  pass\n}", "totl", "total"],
  ["variable (abbreviated)", "on select {\n  let x = cnts[0] ?? 0\n  pass\n}", "cnts", "counts"],
  ["function", "on select {\n  let x = pik(ctx.hash)\n  pass\n}", "pik", "pick"],
  ["builtin function", "on select {\n  let x = rnadom()\n  pass\n}", "rnadom", "random"],
  ["map in select", "on select { select listenrs[0] else pass }", "listenrs", "listeners"],
  ["map in an assignment", "on select {\n  coutns[0] = 1\n  pass\n}", "coutns", "counts"],
  ["map method", "on select {\n  counts.delet(1)\n  pass\n}", "delet", "delete"],
  ["map kind", "map h: hsah<u32, u64>[4]\non select { pass }", "hsah", "hash"],
  ["map kind (lru)", "map h: lru_hsh<u32, u64>[4]\non select { pass }", "lru_hsh", "lru_hash"],
  ["type", "on select {\n  let x: u23 = 1\n  pass\n}", "u23", "u32"],
  ["type of a parameter", "fn f(a: i6) -> u32 { return 1 }\non select { pass }", "i6", "i16"],
  ["ctx field", "on select {\n  if ctx.hsh == 1 { pass }\n  drop\n}", "hsh", "hash"],
  ["listener field", "on select {\n  if listener.coookie == 1 { pass }\n  drop\n}", "coookie", "cookie"],
  [
    "predeclared constant",
    "on migrate {\n  if migrating.state == NEW_SYN_RCV { pass }\n  drop\n}",
    "NEW_SYN_RCV",
    "NEW_SYN_RECV",
  ],
  ["update flag", "on select {\n  let r = counts.update(1, 2, NOEXIS)\n  pass\n}", "NOEXIS", "NOEXIST"],
  ["user constant", "on select {\n  let x = ctx.hash % SLOST\n  pass\n}", "SLOST", "SLOTS"],
  ["verdict as a statement", "on select {\n  if ctx.hash > 3 { dorp }\n  pass\n}", "dorp", "drop"],
  ["last verdict", "on select {\n  pas\n}", "pas", "pass"],
  ["return in a function", "fn f(a: u32) -> u32 {\n  retrun a\n}\non select { pass }", "retrun", "return"],
  ["verdict after else", "on select { select listeners[0] else dorp }", "dorp", "drop"],
  ["test outcome", 'on select { pass }\ntest "t" {\n  expect connect { hash: 1 } => pas\n}', "pas", "pass"],
  ["test event", 'on select { pass }\ntest "t" {\n  expect conect { hash: 1 } => pass\n}', "conect", "connect"],
  ["test event field", 'on select { pass }\ntest "t" {\n  expect connect { hahs: 1 } => pass\n}', "hahs", "hash"],
  ["entry", "on selct { pass }", "selct", "select"],
  ["entry (migrate)", "on migarte { pass }", "migarte", "migrate"],
  ["declaration keyword", "polcy p\non select { pass }", "polcy", "policy"],
  ["declaration keyword (fn)", "fun f() { }\non select { pass }", "fun", "fn"],
];

describe("did you mean, for every kind of name", () => {
  it.each(TYPOS)("%s", (_, body, typo, want) => {
    const src = body.startsWith("map h:") || body.startsWith("polcy") || body.startsWith("fun ") ? body : HEAD + body;
    const errs = errors(src);
    const e = errs.find((x) => x.message.includes(`\`${typo}\``));
    expect(e, errs.map((x) => x.text).join("\n")).toBeDefined();
    expect(e!.hint).toBe(`did you mean \`${want}\`?`);
    // The carets start at the reported column and cover the misspelt word (a field's span is
    // the whole `obj.field`).
    const [, srcLine, caretLine] = e!.text.split("\n") as [string, string, string];
    expect(caretLine.indexOf("^")).toBe(e!.col - 1);
    const at = srcLine.indexOf(typo, e!.col - 1);
    expect(at).toBeGreaterThanOrEqual(e!.col - 1);
    expect(caretLine.lastIndexOf("^")).toBe(at + typo.length - 1);
  });

  it("a misspelt statement word is one error, not three", () => {
    const errs = errors(`${HEAD}fn f(a: u32) -> u32 {\n  retrun a\n}\non select {\n  pas\n}`);
    expect(errs.map((e) => e.message)).toEqual(["unknown name `retrun`", "unknown name `pas`"]);
  });

  it("no suggestion when nothing is close", () => {
    const e = errors(`${HEAD}on select {\n  let x = zzzzqq\n  pass\n}`)[0]!;
    expect(e.message).toBe("unknown name `zzzzqq`");
    expect(e.hint).toBeUndefined();
  });
});

describe("edit distance and the closest name", () => {
  const word = fc.string({ minLength: 1, maxLength: 10, unit: fc.constantFrom(..."abcdefghij_") });
  it("is a distance: zero only for equal words, symmetric, at most the longer length", () => {
    fc.assert(
      fc.property(word, word, (a, b) => {
        const d = editDistance(a, b);
        expect(d === 0).toBe(a === b);
        expect(editDistance(b, a)).toBe(d);
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });

  it("one substitution, insertion, deletion or swap is one edit", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 3, maxLength: 10, unit: fc.constantFrom(..."abcdefghij") }),
        fc.nat(),
        fc.constantFrom("sub", "ins", "del", "swap"),
        (w, at, op) => {
          const i = at % (w.length - 1);
          const t =
            op === "sub"
              ? w.slice(0, i) + (w[i] === "z" ? "y" : "z") + w.slice(i + 1)
              : op === "ins"
                ? `${w.slice(0, i)}z${w.slice(i)}`
                : op === "del"
                  ? w.slice(0, i) + w.slice(i + 1)
                  : w.slice(0, i) + w[i + 1]! + w[i]! + w.slice(i + 2);
          expect(editDistance(w, t)).toBe(t === w ? 0 : 1);
        },
      ),
    );
  });

  it("suggests a candidate one edit away from a longer name, never one too far", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 4, maxLength: 10, unit: fc.constantFrom(..."abcdefghij") }), {
          minLength: 1,
          maxLength: 8,
        }),
        word,
        (cands, name) => {
          const got = closestName(name, cands);
          if (got === undefined) return;
          expect(cands).toContain(got);
          const d = editDistance(name.toLowerCase(), got.toLowerCase());
          expect(d).toBeLessThanOrEqual(Math.max(1, Math.ceil(name.length / 3)));
          for (const c of cands)
            if (c !== name) expect(editDistance(name.toLowerCase(), c.toLowerCase())).toBeGreaterThanOrEqual(d);
        },
      ),
    );
    expect(closestName("x", ["on", "y"])).toBeUndefined(); // a one-letter name is never "one edit" from anything
  });
});

describe("while, and loops with a run-time bound", () => {
  for (const [label, line] of [
    ["while cond {}", "while i < 3 { i += 1 }"],
    ["while (cond) {}", "while (i < 3) { i += 1 }"],
    ["while true", "while true { break }"],
    ["loop {}", "loop { break }"],
  ] as const) {
    it(label, () => {
      const errs = errors(`on select {\n  let mut i = 0\n  ${line}\n  pass\n}`);
      expect(errs[0]!.code).toBe("check.while");
      expect(errs[0]!.message).toMatch(
        /^there is no (while loop|`loop` statement): use `for i in 0\.\.N` with `break`$/,
      );
      expect([errs[0]!.line, errs[0]!.col]).toEqual([3, 3]);
      expect(errs.filter((e) => e.code === "check.unused")).toEqual([]);
    });
  }

  for (const [bound, shown] of [
    ["n", "n"],
    ["ctx.hash", "ctx.hash"],
    ["ctx.hash % 4", "n"],
    ["counts[0] ?? 0", "n"],
  ] as const) {
    it(`for i in 0..${bound}: the note shows the break idiom`, () => {
      const errs = errors(`${HEAD}on select {\n  let n = ctx.hash % 4\n  for i in 0..${bound} { }\n  pass\n}`);
      const e = errs.find((x) => x.code === "check.loop-bound")!;
      expect(e.message).toBe("loop bounds must be constants");
      expect(e.hint).toContain(`\`for i in 0..MAX { if i >= ${shown} { break } … }\``);
    });
  }
});

describe("a missing verdict points at the path that falls off the end", () => {
  // [shape, body of `on select`, line:col of the error (1-based within the whole source), how]
  const CASES: ReadonlyArray<readonly [string, string, string, RegExp]> = [
    ["if without else", "  if ctx.hash > 5 { pass }", "2:3", /when this condition is false/],
    [
      "else-if chain without else",
      "  if ctx.hash > 5 {\n    pass\n  } else if ctx.hash > 2 {\n    drop\n  }",
      "4:10",
      /when this condition is false/,
    ],
    [
      "an arm without a verdict",
      "  if ctx.hash > 5 {\n    let x = 1\n  } else {\n    pass\n  }",
      "3:5",
      /after this statement/,
    ],
    [
      "else arm without a verdict",
      "  if ctx.hash > 5 {\n    pass\n  } else {\n    let y = 2\n  }",
      "5:5",
      /after this statement/,
    ],
    ["a loop last", "  for i in 0..4 { if i == ctx.hash { pass } }", "2:3", /after this loop/],
    ["an empty entry", "", "2:1", /this block is empty/],
    ["select's else block", "  select listeners[0] else {\n    let z = 3\n  }", "3:5", /after this statement/],
    [
      "nested blocks",
      "  if ctx.hash > 1 {\n    if ctx.hash > 2 {\n      drop\n    }\n  } else {\n    pass\n  }",
      "3:5",
      /when this condition is false/,
    ],
  ];
  it.each(CASES)("%s", (_, body, at, note) => {
    const src = `map listeners: reuseport_sockarray<u32>[8]\non select {\n${body}${body === "" ? "" : "\n"}}`;
    const e = errors(src).find((x) => x.code === "check.missing-verdict");
    expect(e).toBeDefined();
    const [line, col] = at.split(":").map(Number);
    // Lines in CASES count from `on select {` as line 1.
    expect(`${e!.line - 1}:${e!.col}`).toBe(`${line}:${col}`);
    expect(e!.hint).toMatch(note);
    expect(e!.text.split("\n")[0]).toMatch(
      /^t\.baton:\d+:\d+: error: `on select` can reach its end without a verdict$/,
    );
  });

  it("every path ending: no error", () => {
    expect(
      errors(
        "on select {\n  if ctx.hash > 1 { pass } else if ctx.hash > 0 { drop } else { select l[0] else pass }\n}\nmap l: reuseport_sockarray<u32>[2]",
      ).filter((e) => e.code === "check.missing-verdict"),
    ).toEqual([]);
  });
});

describe("the README's diagnostics examples are what the compiler prints", () => {
  const SOURCES: Record<string, string> = {
    "unknown name `cnts`":
      "policy p\n\nmap counts: array<u32, u32>[4]\nmap l: reuseport_sockarray<u32>[4]\n\non select {\n  let n = cnts[0] ?? 0\n  select l[n % 4] else pass\n}\n",
    "`on select` can reach its end without a verdict":
      "on select {\n  if ctx.hash > 3 {\n    drop\n  } else if ctx.hash > 1 {\n    pass\n  }\n}\n",
  };
  const readme = readFileSync("README.md", "utf8");
  const start = readme.indexOf("### Diagnostics");
  const section = readme.slice(start, readme.indexOf("| code | meaning |", start));
  const blocks = [...section.matchAll(/```\n(policy\.baton:[\s\S]*?)\n```/g)].map((m) => m[1]!.trimEnd());
  it("finds the examples", () => expect(blocks.length).toBe(Object.keys(SOURCES).length));
  for (const block of blocks) {
    it(block.split("\n")[0]!, () => {
      const key = Object.keys(SOURCES).find((k) => block.split("\n")[0]!.endsWith(k))!;
      expect(key).toBeDefined();
      const src = SOURCES[key]!;
      const printed = tryCompile(src, "policy.baton").errors.map((e) => formatError(e, src));
      expect(printed).toContain(block);
    });
  }
});

describe("missing verdict: reported exactly when some path falls off, at a statement of the entry", () => {
  // Random entry bodies: verdicts, lets, if/else-if/else chains, loops and nested blocks.
  type S =
    | { k: "pass" }
    | { k: "let" }
    | { k: "if"; arms: S[][]; orElse: S[] | null }
    | { k: "for"; body: S[] }
    | { k: "block"; body: S[] };
  const stmts: fc.Memo<S[]> = fc.memo((n) => fc.array(stmt(n), { maxLength: 3 }));
  const stmt: fc.Memo<S> = fc.memo((n) =>
    n <= 1
      ? fc.oneof(fc.constant<S>({ k: "pass" }), fc.constant<S>({ k: "let" }))
      : fc.oneof(
          fc.constant<S>({ k: "pass" }),
          fc.constant<S>({ k: "let" }),
          fc.record({
            k: fc.constant("if" as const),
            arms: fc.array(stmts(n - 1), { minLength: 1, maxLength: 3 }),
            orElse: fc.option(stmts(n - 1)),
          }),
          fc.record({ k: fc.constant("for" as const), body: stmts(n - 1) }),
          fc.record({ k: fc.constant("block" as const), body: stmts(n - 1) }),
        ),
  );
  let names = 0;
  const render = (ss: readonly S[], ind: string): string[] =>
    ss.flatMap((s): string[] => {
      switch (s.k) {
        case "pass":
          return [`${ind}pass`];
        case "let":
          return [`${ind}let v${names++} = ctx.hash`];
        case "for":
          return [`${ind}for i in 0..4 {`, ...render(s.body, `${ind}  `), `${ind}}`];
        case "block":
          return [`${ind}{`, ...render(s.body, `${ind}  `), `${ind}}`];
        case "if": {
          const out: string[] = [];
          s.arms.forEach((arm, i) =>
            out.push(`${i === 0 ? ind : `${ind}} else `}if ctx.hash > ${i} {`, ...render(arm, `${ind}  `)),
          );
          if (s.orElse !== null) out.push(`${ind}} else {`, ...render(s.orElse, `${ind}  `));
          out.push(`${ind}}`);
          return out;
        }
      }
    });
  // Oracle: the set of ways control can leave a statement list ("end" = falls through).
  const leaves = (ss: readonly S[]): boolean => {
    // true when some path reaches the end of the list
    for (const s of ss) if (!stmtLeaves(s)) return false; // a statement every path of which ends: the rest is dead
    return true;
  };
  const stmtLeaves = (s: S): boolean =>
    s.k === "pass"
      ? false
      : s.k === "let" || s.k === "for"
        ? true
        : s.k === "block"
          ? leaves(s.body)
          : s.arms.some(leaves) || s.orElse === null || leaves(s.orElse);

  it("agrees with an independent path oracle", () => {
    fc.assert(
      fc.property(stmts(4), (body) => {
        names = 0;
        const lines = ["on select {", ...render(body, "  "), "}"];
        const errs = errors(lines.join("\n"));
        const missing = errs.filter((e) => e.code === "check.missing-verdict");
        expect(missing.length).toBe(leaves(body) ? 1 : 0);
        if (missing.length === 1) {
          const e = missing[0]!;
          const at = lines[e.line - 1]!.slice(e.col - 1);
          // A statement of the entry: a let, a loop, an if (or else-if) condition, or a closing brace.
          expect(at).toMatch(/^(let v\d+ = ctx\.hash$|for i in 0\.\.4 \{$|if ctx\.hash > \d+ \{$|\})/);
          expect(e.line).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: runs(300) },
    );
  });
});

describe("a call statement to an unknown function stays an unknown function", () => {
  it("suggests functions, not keywords", () => {
    const e = errors(`${HEAD}on select {\n  pik(1)\n  pass\n}`).find((x) => x.code === "check.unknown-name")!;
    expect(e.message).toBe("unknown function `pik`");
    expect(e.hint).toBe("did you mean `pick`?");
  });
});
