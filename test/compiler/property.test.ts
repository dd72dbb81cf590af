/**
 * Robustness: random and mutated policy sources always end in either bytecode that Baton's
 * verifier accepts or diagnostics with a location (compiler errors, or a verifier rejection
 * mapped back to the policy line) — never an exception, never a hang.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tryCompile } from "../../src/compiler/index.js";
import { BatonError, isSourceSpan } from "../../src/errors.js";
import { batonVerify } from "./harness.js";
import { runs } from "../support/runs.js";

const DIR = join(import.meta.dirname, "../../policies");
const SOURCES = readdirSync(DIR)
  .filter((f) => f.endsWith(".baton"))
  .sort()
  .map((f) => readFileSync(join(DIR, f), "utf8"));

const WORDS = [
  "policy",
  "map",
  "const",
  "fn",
  "on",
  "select",
  "migrate",
  "test",
  "let",
  "mut",
  "if",
  "else",
  "for",
  "in",
  "break",
  "continue",
  "return",
  "pass",
  "drop",
  "expect",
  "assert",
  "as",
  "true",
  "false",
  "ctx",
  "listener",
  "migrating",
  "hash",
  "len",
  "state",
  "cookie",
  "u8",
  "u32",
  "u64",
  "i32",
  "bool",
  "array",
  "hash",
  "reuseport_sockarray",
  "x",
  "y",
  "m",
  "0",
  "1",
  "7",
  "0xff",
  "4294967295",
  "{",
  "}",
  "(",
  ")",
  "[",
  "]",
  "<",
  ">",
  ",",
  ":",
  ";",
  ".",
  "..",
  "->",
  "=>",
  "=",
  "+=",
  "==",
  "!=",
  "<=",
  ">=",
  "+",
  "-",
  "*",
  "/",
  "%",
  "&",
  "|",
  "^",
  "<<",
  ">>",
  "&&",
  "||",
  "!",
  "~",
  "??",
  "\n",
  '"t"',
  "cpu",
  "random",
];

/** Either accepted bytecode or located diagnostics; anything else fails the property. */
function outcome(src: string): void {
  const r = tryCompile(src, "fuzz.baton");
  if (r.policy === null) {
    expect(r.errors.length).toBeGreaterThan(0);
    for (const e of r.errors) {
      expect(e).toBeInstanceOf(BatonError);
      expect(isSourceSpan(e.location), e.message).toBe(true);
    }
    return;
  }
  const v = batonVerify(r.policy);
  if (v.accepted) return;
  // A rejection must point into the policy. (Known case: a loop body that makes Baton's
  // verifier exceed its budget although the kernel accepts it — see the report.)
  expect(v.error).not.toBe(null);
  expect(isSourceSpan(v.error!.location), v.error!.message).toBe(true);
}

const mutation = fc.oneof(
  fc.record({ k: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ k: fc.constant("insert" as const), at: fc.nat(), word: fc.constantFrom(...WORDS) }),
  fc.record({ k: fc.constant("swap" as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ k: fc.constant("dup" as const), a: fc.nat() }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(src: string, ms: readonly Mutation[]): string {
  let s = src;
  for (const m of ms) {
    if (m.k === "delete") {
      const at = m.at % Math.max(1, s.length);
      s = s.slice(0, at) + s.slice(at + m.len);
    } else if (m.k === "insert") {
      const at = m.at % Math.max(1, s.length);
      s = `${s.slice(0, at)} ${m.word} ${s.slice(at)}`;
    } else {
      const lines = s.split("\n");
      const a = m.a % lines.length;
      if (m.k === "dup") lines.splice(a, 0, lines[a]!);
      else {
        const b = m.b % lines.length;
        [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      }
      s = lines.join("\n");
    }
  }
  return s;
}

describe("compiler robustness (fast-check)", () => {
  it("random token soup", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...WORDS), { maxLength: 60 }), (ws) => outcome(ws.join(" "))),
      { numRuns: runs(300), seed: 1 },
    );
  });

  it("random characters", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => outcome(s)),
      { numRuns: runs(200), seed: 2 },
    );
  });

  it("mutated shipped policies", () => {
    fc.assert(
      fc.property(fc.nat({ max: SOURCES.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (i, ms) =>
        outcome(mutate(SOURCES[i]!, ms)),
      ),
      { numRuns: runs(100), seed: 3 },
    );
  });
});
