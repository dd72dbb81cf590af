// Every bpf_conformance file as its own test, on the interpreter. Program bytes come from the
// golden TSV (upstream assembler output), so this test does not depend on Baton's assembler.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDataFile, rawToBytes } from "../../src/vm/conformance/data-file.js";
import { runConformance } from "../../src/vm/conformance/runner.js";
import { createInterpreter } from "../../src/vm/interpreter.js";
import { CONFORMANCE_DIR, GOLDEN_BYTECODE } from "../support/shared.js";

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

describe("bpf_conformance on the interpreter", () => {
  it("finds all 313 files with golden bytecode", () => {
    expect(files.length).toBe(313);
    for (const f of files) expect(golden.has(f), f).toBe(true);
  });
  for (const f of files) {
    it(f, () => {
      const df = parseDataFile(readFileSync(join(DIR, f), "utf8"), f);
      const bytes = df.raw !== undefined ? () => rawToBytes(df.raw!) : () => golden.get(f)!;
      const r = runConformance(df, bytes, createInterpreter);
      expect(r.detail ?? "").toBe("");
      expect(r.status).toBe("passed");
    });
  }
});
