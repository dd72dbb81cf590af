import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// The README's language reference documents every diagnostic the compiler can emit.
describe("README diagnostics table", () => {
  const readme = readFileSync("README.md", "utf8");
  const codes = new Set<string>();
  for (const f of readdirSync("src/compiler")) {
    const text = readFileSync(join("src/compiler", f), "utf8");
    for (const m of text.matchAll(/"((?:parse|check|codegen)\.[a-z0-9-]+)"/g)) codes.add(m[1]!);
  }
  it("finds the compiler's codes", () => expect(codes.size).toBeGreaterThan(30));
  it.each([...codes].sort())("documents %s", (code) => {
    expect(readme).toContain(`\`${code}\``);
  });
});
