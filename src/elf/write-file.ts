/** Writing an exported ELF object to disk: kept apart from writer.ts so the browser playground bundles the writer
 * without node:fs. */
import { writeFileSync } from "node:fs";
import type { Insn } from "../vm/isa.js";
import type { MapSpec } from "../vm/map-spec.js";
import { compileToElf, type ElfExportOptions } from "./writer.js";

/** `compileToElf` and write the result to `path`. */
export function writeElfFile(
  path: string,
  insns: readonly Insn[],
  maps: readonly MapSpec[],
  opts: ElfExportOptions,
): void {
  writeFileSync(path, compileToElf(insns, maps, opts));
}
