/**
 * `ElfError`: a malformed, truncated or unsupported ELF object. An `InputError` (exit code 1),
 * always naming the file, the section and the byte offset where reading stopped, so a user can
 * look at the same place with `llvm-readelf`/`llvm-objdump`.
 */
import { InputError } from "../errors.js";

export class ElfError extends InputError {
  constructor(
    code: string,
    message: string,
    /** Section name (or `ELF header`, `section headers`) where the problem is. */
    readonly section: string,
    /** Byte offset: within the file for headers, within `section` otherwise. */
    readonly offset: number,
    file?: string,
    insn?: number,
  ) {
    super(
      `elf.${code}`,
      `${file !== undefined ? `${file}: ` : ""}${section === "" ? "" : `section '${section}' `}at offset 0x${offset.toString(16)}: ${message}`,
      insn !== undefined ? { insn } : undefined,
    );
  }
}
