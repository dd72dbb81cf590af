/**
 * `baton test PROGRAM --cases CASES.json`: one program (eBPF in any format, or a classic
 * filter) against the cases of a CASES.json (src/testing/cases.ts). Output and exit codes as
 * for policy tests: `ok`/`FAIL` lines, failures located at the expectation in the CASES file,
 * a summary line, exit 1 when anything failed.
 */
import { readFileSync } from "node:fs";
import { formatError, InputError, UsageError, type BatonError } from "../errors.js";
import type { CliIO } from "./command.js";
import { runCases } from "../testing/cases.js";
import { plural } from "../plural.js";

export async function runCasesCommand(
  positionals: readonly string[],
  casesFile: string,
  engine: string,
  program: string | undefined,
  io: CliIO,
): Promise<number> {
  if (positionals.length !== 1) throw new UsageError(`--cases tests one program; got ${positionals.length} files`);
  const file = positionals[0]!;
  let text: string;
  try {
    text = readFileSync(casesFile, "utf8");
  } catch (e) {
    throw new InputError(
      "input.unreadable",
      `cannot read '${casesFile}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const results = await runCases(
    { file, ...(program !== undefined ? { program } : {}) },
    text,
    casesFile,
    engine,
  ).catch((e: unknown) => {
    if (e instanceof Error && "code" in e && "location" in e) {
      io.err(
        formatError(
          e as BatonError,
          (e as BatonError).location !== undefined &&
            "line" in (e as BatonError).location! &&
            (e as BatonError).location!.file === casesFile
            ? text
            : undefined,
        ),
      );
      return null;
    }
    throw e;
  });
  if (results === null) return 1;
  let passed = 0;
  let failed = 0;
  if (results.length === 0) io.out(`${casesFile}: no cases`);
  for (const r of results) {
    if (r.passed) {
      passed++;
      io.out(`ok    ${file}: ${r.name} (${plural(r.events, "event")})`);
    } else {
      failed++;
      io.out(`FAIL  ${file}: ${r.name}`);
      for (const f of r.failures) io.err(`${casesFile}:${f.line}:${f.col}: error: case '${r.name}': ${f.message}`);
    }
  }
  io.out(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}
