// Every bpf_conformance file as its own test, on the interpreter. Program bytes come from the
// golden TSV (upstream assembler output), so this test does not depend on Baton's assembler.
import { describe, expect, it } from "vitest";
import { runConformance } from "../../src/vm/conformance/runner.js";
import { createInterpreter } from "../../src/vm/interpreter.js";
import { CONFORMANCE_FILES, GOLDEN_SLOTS, conformanceCase } from "../support/shared.js";

describe("bpf_conformance on the interpreter", () => {
  it("finds all 313 files with golden bytecode", () => {
    expect(CONFORMANCE_FILES.length).toBe(313);
    for (const f of CONFORMANCE_FILES) expect(GOLDEN_SLOTS.has(f), f).toBe(true);
  });
  for (const f of CONFORMANCE_FILES) {
    it(f, () => {
      const { data, bytes } = conformanceCase(f);
      const r = runConformance(data, bytes, createInterpreter);
      expect(r.detail ?? "").toBe("");
      expect(r.status).toBe("passed");
    });
  }
});
