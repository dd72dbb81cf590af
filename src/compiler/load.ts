/**
 * Shared by `baton compile|check|test`: read a policy file and compile it, printing every
 * diagnostic (syntax errors all at once, or checker errors all at once) with source line and
 * caret. Returns null after printing when compilation failed.
 */
import { readFileSync } from "node:fs";
import { formatError, InputError } from "../errors.js";
import { tryCompile, type CompiledPolicy } from "./compile.js";

export function readPolicy(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError(
      "input.read",
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

/** `report` receives each rendered diagnostic (the CLI passes its stderr writer). */
export function compileFile(file: string, report: (text: string) => void): CompiledPolicy | null {
  const source = readPolicy(file);
  const r = tryCompile(source, file);
  if (r.policy !== null) return r.policy;
  for (const e of r.errors) report(formatError(e, source));
  report(`${r.errors.length} error${r.errors.length === 1 ? "" : "s"} in ${file}`);
  return null;
}
