/**
 * The 313 bpf_conformance files: the assembler must produce exactly the bytes of the upstream
 * assembler (spec/bpf-conformance-golden-bytecode.tsv), and disassembly must round-trip both ways.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { assemble } from "../../../src/vm/asm/assembler.js";
import { disassemble } from "../../../src/vm/asm/disassembler.js";
import { parseDataFile, rawToBytes } from "../../../src/vm/conformance/data-file.js";
import { CONFORMANCE_DIR as DIR, CONFORMANCE_FILES as files, GOLDEN_SLOTS as golden } from "../../support/shared.js";

function hexSlots(bytes: Uint8Array): string {
  const out: string[] = [];
  for (let at = 0; at < bytes.length; at += 8) out.push(Buffer.from(bytes.subarray(at, at + 8)).toString("hex"));
  return out.join(" ");
}

function asmOf(file: string) {
  const data = parseDataFile(readFileSync(`${DIR}/${file}`, "utf8"), file);
  return { data, bytes: assemble(data.asm!.text, file, data.asm!.firstLine) };
}

describe("golden bytecode", () => {
  it("covers all 313 files", () => {
    expect(files.length).toBe(313);
    expect(golden.size).toBe(313);
  });
  for (const file of files) {
    it(file, () => {
      const { data, bytes } = asmOf(file);
      expect(hexSlots(bytes)).toBe(golden.get(file));
      // lddw.data: -- raw replaces -- asm and the two must agree (FORMAT.md §1).
      if (data.raw !== undefined) expect(hexSlots(rawToBytes(data.raw))).toBe(golden.get(file));
    });
  }
});

describe("disassemble/assemble identity", () => {
  for (const file of files) {
    it(file, () => {
      const { bytes } = asmOf(file);
      const text = disassemble(bytes);
      const again = assemble(text);
      expect(hexSlots(again)).toBe(hexSlots(bytes)); // bytes → text → bytes
      expect(disassemble(again)).toBe(text); // text → bytes → text
      expect(() => disassemble(bytes, { style: "kernel" })).not.toThrow();
    });
  }
});
