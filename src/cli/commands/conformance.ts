/**
 * `baton conformance <dir | files…> [--engine interp|jit] [--verbose]`: run bpf_conformance
 * `.data` files (a directory means every `*.data` in it, sorted), print each failure with what
 * was expected, and end with `N passed, N failed, N skipped`. Exit 1 when any failed.
 *
 * `-- raw` programs are used as given; `-- asm` text goes through Baton's assembler, so an
 * assembler error is a failure of that file (or a pass, for a matching `-- error`).
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { BatonError, isSourceSpan, UsageError } from "../../errors.js";
import { assemble } from "../../vm/asm/assembler.js";
import { parseDataFile, rawToBytes } from "../../vm/conformance/data-file.js";
import { runConformance, type ConformanceResult } from "../../vm/conformance/runner.js";
import { engineByName } from "../../vm/engines.js";
import { parseCommandArgs, type Command } from "../command.js";
import { readInput } from "./asm.js";

/** Expand directories to their `.data` files. */
function collect(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      isDir = false; // reported as unreadable when read below
    }
    if (isDir) {
      out.push(
        ...readdirSync(p)
          .filter((f) => f.endsWith(".data"))
          .sort()
          .map((f) => join(p, f)),
      );
    } else out.push(p);
  }
  return out;
}

function runOne(path: string, engine: string): ConformanceResult {
  try {
    const df = parseDataFile(readInput(path, "utf8") as string, path);
    const bytes = (): Uint8Array => {
      if (df.raw !== undefined) return rawToBytes(df.raw);
      if (df.asm === undefined) return new Uint8Array(0);
      return assemble(df.asm.text, path, df.asm.firstLine);
    };
    return runConformance(df, bytes, engineByName(engine));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (e instanceof BatonError) {
      const at = isSourceSpan(e.location) ? `line ${e.location.line}: ` : "";
      return { file: path, status: "failed", detail: `${at}${e.message}` };
    }
    throw e;
  }
}

export const command: Command = {
  name: "conformance",
  summary: "run bpf_conformance .data files and report passes and failures",
  usage:
    "baton conformance <dir | FILE.data…> [--engine interp|jit] [--verbose]\n  a directory runs every *.data file in it; exit 1 if any test failed\n  --engine interp|jit  the interpreter (default) or the JIT\n  -v, --verbose        also print PASS and SKIP lines (failures are always printed)",
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      engine: { type: "string" },
      verbose: { type: "boolean", short: "v" },
    });
    if (positionals.length === 0) throw new UsageError("expected a directory or .data files");
    const engine = values.engine ?? "interp";
    engineByName(engine); // usage errors before any output
    const files = collect(positionals);
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const f of files) {
      const r = runOne(f, engine);
      if (r.status === "passed") {
        passed++;
        if (values.verbose === true) io.out(`PASS ${f}`);
      } else if (r.status === "skipped") {
        skipped++;
        if (values.verbose === true) io.out(`SKIP ${f}: ${r.detail ?? ""}`);
      } else {
        failed++;
        io.out(`FAIL ${f}: ${r.detail ?? ""}`);
      }
    }
    io.out(`${passed} passed, ${failed} failed, ${skipped} skipped`);
    return failed > 0 ? 1 : 0;
  },
};
