/**
 * Golden disassembly: each test/golden/disasm/NAME.s is assembled and disassembled in both
 * styles; the text must equal NAME.conformance.txt / NAME.kernel.txt. UPDATE_GOLDEN=1 rewrites them.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assemble } from "../../../src/vm/asm/assembler.js";
import { disassemble, helperNamesOf, type DisasmStyle } from "../../../src/vm/asm/disassembler.js";
import { SK_REUSEPORT } from "../../../src/vm/program-type.js";

const DIR = join(import.meta.dirname, "../../golden/disasm");
const UPDATE = process.env.UPDATE_GOLDEN === "1";
const sources = readdirSync(DIR)
  .filter((f) => f.endsWith(".s"))
  .sort();

describe("golden disassembly", () => {
  it("has golden programs", () => expect(sources.length).toBeGreaterThanOrEqual(2));
  for (const src of sources) {
    for (const style of ["conformance", "kernel"] as DisasmStyle[]) {
      it(`${src} (${style})`, () => {
        const bytes = assemble(readFileSync(join(DIR, src), "utf8"), src);
        const text = disassemble(bytes, { style, helperName: helperNamesOf(SK_REUSEPORT) });
        const golden = join(DIR, src.replace(/\.s$/, `.${style}.txt`));
        if (UPDATE) writeFileSync(golden, text);
        expect(existsSync(golden), `missing ${golden}; run with UPDATE_GOLDEN=1`).toBe(true);
        expect(text).toBe(readFileSync(golden, "utf8"));
        if (style === "conformance") expect(assemble(text)).toEqual(bytes);
      });
    }
  }
});
