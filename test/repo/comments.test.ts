// Comments that point somewhere must point at something that exists: a file named in a comment
// (`src/vm/isa.ts`, `isa.ts`, `../shared/spec/…`) is in the repository or in ../shared, and no
// comment cites an issue number (issues close; the code's reasons must stand on their own).
// Placeholders in capitals (`FILE.s`, `CASES.json`), kernel sources (`net/core/filter.c`) and
// files the tools write (`bench/results/…`) are not references to check.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { SHARED } from "../support/shared.js";

const ROOT = join(import.meta.dirname, "../..");
const tracked = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
  cwd: ROOT,
  encoding: "utf8",
})
  .split("\n")
  .filter((f) => f !== "" && existsSync(join(ROOT, f)));

function sharedFiles(dir: string, out: string[]): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) sharedFiles(p, out);
    else out.push(p);
  }
  return out;
}

const known = new Set<string>([...tracked, ...tracked.map((f) => basename(f))]);
for (const f of sharedFiles(SHARED, [])) {
  known.add(basename(f));
  known.add(f.slice(SHARED.length + 1));
  known.add(`../shared/${f.slice(SHARED.length + 1)}`);
}

const sources = tracked.filter((f) => /^(src|bench|test|web\/src)\/.*\.(ts|mts)$/.test(f));
const isComment = (line: string): boolean => /^\s*(\/\/|\/\*|\*)/.test(line);
const FILE_NAME = /(?<![\w/.*-])((?:\.\.\/)*(?:[\w.-]+\/)*[\w-]+(?:\.[\w-]+)*\.(?:ts|mts|mjs|json|md|s|baton))\b/g;
const KERNEL_TREE = /^(net|kernel|include|tools|lib|arch|Documentation)\//;

function refersToFile(name: string): boolean {
  if (KERNEL_TREE.test(name) || name.startsWith("bench/results/")) return true;
  const stem = basename(name).split(".")[0]!;
  if (stem === stem.toUpperCase() && /[A-Z]/.test(stem) && stem !== "README") return true; // a placeholder
  return known.has(name) || known.has(basename(name)) || tracked.some((f) => f.endsWith(`/${name}`));
}

describe("comments", () => {
  it("name only files that exist", () => {
    const missing: string[] = [];
    for (const f of sources) {
      readFileSync(join(ROOT, f), "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (!isComment(line)) return;
          for (const m of line.matchAll(FILE_NAME)) if (!refersToFile(m[1]!)) missing.push(`${f}:${i + 1}: ${m[1]}`);
        });
    }
    expect(missing).toEqual([]);
  });

  it("cite no issue numbers", () => {
    const cites: string[] = [];
    for (const f of sources) {
      readFileSync(join(ROOT, f), "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (isComment(line) && /\bissues? #?\d+/i.test(line)) cites.push(`${f}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(cites).toEqual([]);
  });
});
