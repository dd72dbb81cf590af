/**
 * Imported C programs go through Baton's verifier and the kernel's (the ground truth): the
 * fixtures are accepted, rejected_null_deref is rejected by both.
 */
import { describe, expect, it } from "vitest";
import { linkProgram, readElfObject } from "../../src/elf/index.js";
import { formatError } from "../../src/errors.js";
import { kernelAvailability, kernelVerify } from "../../src/kernel/verifier.js";
import { verify } from "../../src/verifier/index.js";
import { SK_REUSEPORT } from "../../src/vm/program-type.js";
import { fixtureBytes, type FixtureName } from "./fixtures.js";

const table: { object: FixtureName; program?: string; accepted: boolean }[] = [
  { object: "pass", accepted: true },
  { object: "drop_migrations", accepted: true },
  { object: "select_by_index", accepted: true },
  { object: "least_loaded", accepted: true },
  { object: "multi", program: "select_only", accepted: true },
  { object: "multi", program: "migrate_drop", accepted: true },
  { object: "rejected_null_deref", accepted: false },
];

const load = (object: FixtureName, program?: string) =>
  linkProgram(readElfObject(fixtureBytes(object), `${object}.o`), program);

describe("verifying imported C programs", () => {
  it.each(table)("Baton's verifier: $object $program → accepted $accepted", ({ object, program, accepted }) => {
    const p = load(object, program);
    const r = verify(p.insns, { type: SK_REUSEPORT, attachType: p.attachType, maps: p.maps });
    expect(r.accepted).toBe(accepted);
    if (!accepted) expect(r.error?.location).toEqual({ insn: 7 });
  });

  it("with .BTF.ext line info the rejection points at the C source line", () => {
    const p = load("rejected_null_deref");
    const r = verify(p.insns, {
      type: SK_REUSEPORT,
      attachType: p.attachType,
      maps: p.maps,
      sourceMap: (i) => p.spans[i],
    });
    expect(r.error === null ? "" : formatError(r.error).split("\n")[0]).toBe(
      "test/fixtures/c/rejected_null_deref.c:16:9: error: R0 invalid mem access 'map_value_or_null'",
    );
  });

  const kernel = kernelAvailability();
  if (!kernel.available) console.warn(`test/elf/verify.test.ts: skipping kernel verification: ${kernel.reason}`);
  it.skipIf(!kernel.available).each(table)(
    "kernel verifier: $object $program → accepted $accepted (skips without bpf)",
    async ({ object, program, accepted }) => {
      const p = load(object, program);
      const v = await kernelVerify(p.bytes, { attachType: p.attachType, maps: p.maps });
      expect([v.accepted, v.stage]).toEqual([accepted, "load"]);
      if (!accepted) expect(v.log).toContain("invalid mem access 'map_value_or_null'");
    },
  );
});
