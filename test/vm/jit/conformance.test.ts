// Every bpf_conformance file as its own test on the JIT, in checked mode and in trusted mode
// (no facts: trusted = checked minus bounds checks, still correct for these programs, which all
// stay in bounds). Program bytes come from the golden TSV, as in test/vm/conformance.test.ts.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDataFile, rawToBytes } from "../../../src/vm/conformance/data-file.js";
import { runConformance } from "../../../src/vm/conformance/runner.js";
import { createJit, trustedJit } from "../../../src/vm/jit/jit.js";
import { CONFORMANCE_DIR, GOLDEN_BYTECODE } from "../../support/shared.js";

const DIR = CONFORMANCE_DIR;
const GOLDEN = GOLDEN_BYTECODE;

function goldenBytes(): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const line of readFileSync(GOLDEN, "utf8").split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const [file, slots] = line.split("\t");
    const hex = (slots ?? "").trim().split(/\s+/).join("");
    out.set(file!, Uint8Array.from(hex.match(/../g) ?? [], (b) => Number.parseInt(b, 16)));
  }
  return out;
}

const golden = goldenBytes();
const files = readdirSync(DIR).filter((f) => f.endsWith(".data")).sort();

describe("bpf_conformance on the JIT (checked)", () => {
  it("finds all 313 files", () => {
    expect(files.length).toBe(313);
  });
  for (const f of files) {
    it(f, () => {
      const df = parseDataFile(readFileSync(join(DIR, f), "utf8"), f);
      const bytes = df.raw !== undefined ? () => rawToBytes(df.raw!) : () => golden.get(f)!;
      const r = runConformance(df, bytes, createJit);
      expect(r.detail ?? "").toBe("");
      expect(r.status).toBe("passed");
    });
  }
});

describe("bpf_conformance on the JIT (trusted, no facts)", () => {
  it("passes all 313 files", () => {
    const failures: string[] = [];
    for (const f of files) {
      const df = parseDataFile(readFileSync(join(DIR, f), "utf8"), f);
      const bytes = df.raw !== undefined ? () => rawToBytes(df.raw!) : () => golden.get(f)!;
      const r = runConformance(df, bytes, trustedJit());
      if (r.status !== "passed") failures.push(`${f}: ${r.detail ?? r.status}`);
    }
    expect(failures).toEqual([]);
  });
});
