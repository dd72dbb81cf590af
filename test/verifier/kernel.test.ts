// Baton's verdict against the running kernel's (via the kernel bridge) on the whole corpus.
// Skips when bpf() is not usable here (not root, not Linux, no gcc).
import { describe, expect, it } from "vitest";
import { kernelAvailability, kernelVerify } from "../../src/kernel/verifier.js";
import { assemble } from "../../src/vm/asm/assembler.js";
import { decode } from "../../src/vm/isa.js";
import { SK_REUSEPORT } from "../../src/vm/program-type.js";
import { verify } from "../../src/verifier/index.js";
import { corpus } from "./corpus-file.js";

const avail = kernelAvailability();
const CASES = corpus().filter((c) => !c.source.includes("map_fd(9)")); // the bridge refuses undeclared maps itself
if (!avail.available) console.log(`kernel comparison skipped: ${avail.reason}`);

describe("verifier vs kernel", () => {
  it.skipIf(!avail.available)(
    `same verdict as the kernel on ${CASES.length} corpus programs (kernel: ${avail.reason})`,
    async () => {
      const wrong: string[] = [];
      for (const c of CASES) {
        const bytes = assemble(c.source, c.file);
        const k = await kernelVerify(bytes, { attachType: c.attachType, maps: c.maps, logLevel: 0 });
        const kv = k.accepted ? "accept" : "reject";
        if (kv !== c.expect) wrong.push(`${c.name}: recorded ${c.expect}, kernel now says ${kv}`);
        const b = verify(decode(bytes), { type: SK_REUSEPORT, attachType: c.attachType, maps: c.maps });
        const bv = b.accepted ? "accept" : "reject";
        // Never accept what the kernel rejects; other differences must be declared (# baton:).
        if (bv === "accept" && kv === "reject") wrong.push(`${c.name}: Baton accepts, kernel rejects`);
        if (bv !== kv && c.baton === undefined)
          wrong.push(`${c.name}: Baton ${bv}, kernel ${kv} (undeclared difference)`);
      }
      expect(wrong).toEqual([]);
    },
    600_000,
  );
});
