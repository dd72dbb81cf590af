// Where the read-only shared material lives: `../shared` beside the repository (as CI lays it
// out), so tests never depend on this machine's absolute paths. Also the conformance corpus as
// the engine and assembler tests all read it.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join, resolve } from "node:path";
import { parseDataFile, rawToBytes, type DataFile } from "../../src/vm/conformance/data-file.js";

export const SHARED = resolve(fileURLToPath(new URL("../../../shared", import.meta.url)));
export const CONFORMANCE_DIR = `${SHARED}/bpf_conformance`;
export const GOLDEN_BYTECODE = `${SHARED}/spec/bpf-conformance-golden-bytecode.tsv`;

/** The `.data` file names, sorted. */
export const CONFORMANCE_FILES: readonly string[] = readdirSync(CONFORMANCE_DIR)
  .filter((f) => f.endsWith(".data"))
  .sort();

/** file → the golden TSV's slots, as written there (16 hex digits per slot, space-separated). */
export const GOLDEN_SLOTS: ReadonlyMap<string, string> = new Map(
  readFileSync(GOLDEN_BYTECODE, "utf8")
    .split("\n")
    .filter((line) => !line.startsWith("#") && line.trim() !== "")
    .map((line) => {
      const [file, slots] = line.split("\t");
      return [file!, (slots ?? "").trim()] as const;
    }),
);

export function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.replace(/\s+/g, "").match(/../g) ?? [], (b) => Number.parseInt(b, 16));
}

/** One conformance file parsed, with its program bytes (the `-- raw` words, else the golden TSV's). */
export function conformanceCase(file: string): { readonly data: DataFile; readonly bytes: () => Uint8Array } {
  const data = parseDataFile(readFileSync(join(CONFORMANCE_DIR, file), "utf8"), file);
  const bytes = data.raw !== undefined ? () => rawToBytes(data.raw!) : () => hexToBytes(GOLDEN_SLOTS.get(file) ?? "");
  return { data, bytes };
}
