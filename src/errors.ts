/**
 * Errors are values of named classes, one per phase, each with a location and a stable code.
 * One formatter renders them: `file:line:col: error: message`, the source line and a caret
 * under the span; bytecode errors name the instruction index instead of a column.
 */

/** A place in a source text (1-based line and column; `length` is the caret span). */
export interface SourceSpan {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly length?: number;
}

/** A place in bytecode: the slot index (and the file it came from, when known). */
export interface InsnLocation {
  readonly file?: string | undefined;
  readonly insn: number;
}

export type Location = SourceSpan | InsnLocation;

export function isSourceSpan(loc: Location | undefined): loc is SourceSpan {
  return loc !== undefined && "line" in loc;
}

/**
 * The base of every phase's error class; `L` is the kind of place the phase can name (a phase
 * that reads bytecode names instructions, one that reads text names spans).
 */
export abstract class BatonError<L extends Location = Location> extends Error {
  constructor(
    /** Stable, machine-readable code, e.g. `asm.unknown-mnemonic`. */
    readonly code: string,
    message: string,
    readonly location?: L,
    /** A suggestion, printed as `note: …` after the caret line. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Malformed text: assembly, policy source, scenario files. */
export class ParseError extends BatonError<SourceSpan> {}

/** Malformed bytecode (structure, fields, targets), located by instruction index. */
export class BytecodeError extends BatonError<InsnLocation> {}

/** The policy compiler's checker and code generator. */
export class CompileError extends BatonError {}

/** A verifier rejection. */
export class VerifyError extends BatonError {}

/** A runtime fault of the VM: bad memory access, budget exhausted, bad helper call. */
export class VmTrap extends BatonError<InsnLocation> {
  /** The same trap, placed at instruction `insn` (helpers raise traps before they know it). */
  at(insn: number): VmTrap {
    if (this.location !== undefined) return this;
    return new VmTrap(this.code, this.message, { insn });
  }
}

/** The socket model and scenarios. */
export class ModelError extends BatonError {}

/** Bad command-line usage (exit code 2). */
export class UsageError extends BatonError {
  constructor(message: string, hint?: string) {
    super("usage", message, undefined, hint);
  }
}

/** Input files that cannot be read or have the wrong form (exit code 1). */
export class InputError extends BatonError {}

/**
 * Render an error as the CLI prints it. With the source text of a span's file, the offending
 * line and a caret line follow the header.
 */
/** Longest piece of a source line shown under a diagnostic. */
const MAX_SHOWN = 160;

export function formatError(err: BatonError, sourceText?: string): string {
  const loc = err.location;
  let head: string;
  let body = "";
  if (isSourceSpan(loc)) {
    head = `${loc.file}:${loc.line}:${loc.col}: error: ${err.message}`;
    if (sourceText !== undefined) {
      const full = sourceText.split(/\r?\n/)[loc.line - 1];
      if (full !== undefined) {
        // A generated line can be megabytes long: show a window around the column.
        const from =
          full.length > MAX_SHOWN ? Math.max(0, Math.min(loc.col - 1 - MAX_SHOWN / 2, full.length - MAX_SHOWN)) : 0;
        const line =
          (from > 0 ? "…" : "") + full.slice(from, from + MAX_SHOWN) + (from + MAX_SHOWN < full.length ? "…" : "");
        const col = loc.col - from + (from > 0 ? 1 : 0);
        const caretLen = Math.max(1, Math.min(loc.length ?? 1, line.length - col + 1));
        body = `\n${line}\n${" ".repeat(Math.max(0, col - 1))}${"^".repeat(caretLen)}`;
      }
    }
  } else if (loc !== undefined) {
    head = `${loc.file !== undefined ? `${loc.file}: ` : ""}insn ${loc.insn}: error: ${err.message}`;
  } else {
    head = `error: ${err.message}`;
  }
  const hint = err.hint !== undefined ? `\nnote: ${err.hint}` : "";
  return head + body + hint;
}
