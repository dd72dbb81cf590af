// Every bpf_conformance file as its own test on the JIT, in checked mode and in trusted mode
// (no facts: trusted = checked minus bounds checks, still correct for these programs, which all
// stay in bounds). Program bytes come from the golden TSV, as in test/vm/conformance.test.ts.
import { describe, expect, it } from "vitest";
import { runConformance } from "../../../src/vm/conformance/runner.js";
import { createJit, trustedJit } from "../../../src/vm/jit/jit.js";
import { CONFORMANCE_FILES as files, conformanceCase } from "../../support/shared.js";

describe("bpf_conformance on the JIT (checked)", () => {
  it("finds all 313 files", () => {
    expect(files.length).toBe(313);
  });
  for (const f of files) {
    it(f, () => {
      const { data, bytes } = conformanceCase(f);
      const r = runConformance(data, bytes, createJit);
      expect(r.detail ?? "").toBe("");
      expect(r.status).toBe("passed");
    });
  }
});

describe("bpf_conformance on the JIT (trusted, no facts)", () => {
  it("passes all 313 files", () => {
    const failures: string[] = [];
    for (const f of files) {
      const { data, bytes } = conformanceCase(f);
      const r = runConformance(data, bytes, trustedJit());
      if (r.status !== "passed") failures.push(`${f}: ${r.detail ?? r.status}`);
    }
    expect(failures).toEqual([]);
  });
});
