/**
 * `baton asm FILE.s [-o FILE.bin]`: assemble conformance-dialect text (FORMAT.md §2 plus Baton's
 * map extensions). With -o the raw little-endian slots are written (what `baton disasm` and
 * `llvm-objcopy -O binary` use); without it each slot prints as 16 hex digits in memory order,
 * the layout of bpf-conformance-golden-bytecode.tsv.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { InputError, UsageError } from "../../errors.js";
import { assemble } from "../../vm/asm/assembler.js";
import { SLOT_SIZE } from "../../vm/isa.js";
import { parseCommandArgs, type Command } from "../command.js";

/** Read a file or throw an `InputError` naming it. */
export function readInput(path: string, encoding?: "utf8"): string | Uint8Array {
  try {
    return encoding === undefined ? new Uint8Array(readFileSync(path)) : readFileSync(path, encoding);
  } catch (e) {
    throw new InputError(
      "input.unreadable",
      `cannot read '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

/** Bytes as one 16-hex-digit slot per line, memory byte order. */
export function slotsAsHex(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += SLOT_SIZE) {
    lines.push(Array.from(bytes.subarray(at, at + SLOT_SIZE), (b) => b.toString(16).padStart(2, "0")).join(""));
  }
  return lines.join("\n");
}

export const command: Command = {
  name: "asm",
  summary: "assemble conformance-dialect eBPF text to bytecode",
  usage:
    "baton asm FILE.s [-o FILE.bin]\n  -o, --output FILE  write the raw little-endian 8-byte slots to FILE; without it, print one slot per line\n                     as 16 hex digits (memory byte order)",
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { output: { type: "string", short: "o" } });
    if (positionals.length !== 1) throw new UsageError(`expected one input file, got ${positionals.length}`);
    const file = positionals[0]!;
    const bytes = assemble(readInput(file, "utf8") as string, file);
    if (values.output !== undefined) {
      try {
        writeFileSync(values.output, bytes);
      } catch (e) {
        throw new InputError(
          "output.unwritable",
          `cannot write '${values.output}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        );
      }
      return 0;
    }
    if (bytes.length > 0) io.out(slotsAsHex(bytes));
    return 0;
  },
};
