// The verifier corpus: every program's verdict as recorded from the kernel (`# expect:`), or
// Baton's deliberate difference (`# baton:`, listed in KNOWN_DIFFERENCES.md); `# error:` pins
// Baton's exact first message.
import { describe, expect, it } from "vitest";
import { assemble } from "../../src/vm/asm/assembler.js";
import { decode } from "../../src/vm/isa.js";
import { SK_REUSEPORT } from "../../src/vm/program-type.js";
import { verify } from "../../src/verifier/index.js";
import { corpus } from "./corpus-file.js";

const CASES = corpus();

describe("verifier corpus", () => {
  it("has at least 150 programs, accepted and rejected", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(150);
    expect(CASES.filter((c) => c.expect === "accept").length).toBeGreaterThan(40);
    expect(CASES.filter((c) => c.expect === "reject").length).toBeGreaterThan(40);
  });
  it.each(CASES.map((c) => [c.name, c] as const))(
    "%s",
    (_name, c) => {
      const r = verify(decode(assemble(c.source, c.file)), {
        type: SK_REUSEPORT,
        attachType: c.attachType,
        maps: c.maps,
      });
      const want = c.baton ?? c.expect;
      expect(r.accepted ? "accept" : "reject", r.error?.message).toBe(want);
      if (c.error !== undefined) expect(r.error?.message).toBe(c.error);
    },
    120_000,
  );
});
