/**
 * `baton test FILE.baton…`: run the policies' `test` blocks in the VM runtime. A policy runs
 * only once Baton's verifier accepts it (verified-program.ts), on the engine every command
 * picks for it; `--no-verify` runs it unverified, with a warning.
 */
import { formatError, UsageError, VerifyError } from "../../errors.js";
import { compileFile } from "../../compiler/load.js";
import { formatFailure, runTests } from "../../compiler/test-runner.js";
import { engineByName } from "../../vm/engines.js";
import { parseCommandArgs, type Command } from "../command.js";
import { engineFor, fromCompiled, gateProgram } from "../verified-program.js";
import { plural } from "../../plural.js";
import { runCasesCommand } from "../test-cases.js";

export const command: Command = {
  name: "test",
  summary: "run the test blocks of .baton policies",
  usage: [
    "baton test FILE.baton... [--engine interp|jit] [--no-verify]",
    "baton test PROGRAM.o|.s|.bin|.baton|.bpf --cases CASES.json [--engine interp|jit] [--program NAME]",
    "  --cases      run the program against a CASES.json (README: UDP, IPv6 and packet bytes)",
    "  --program    ELF objects: the program to test",
    "  --engine     execution engine (default interp); jit is the trusted JIT for a verified policy",
    "  --no-verify  run policies Baton's verifier has not accepted (every check on; a warning on stderr)",
  ].join("\n"),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      engine: { type: "string" },
      "no-verify": { type: "boolean" },
      cases: { type: "string" },
      program: { type: "string" },
    });
    if (positionals.length === 0) throw new UsageError("expected at least one policy file");
    const engineName = values.engine ?? "interp";
    engineByName(engineName); // a usage error before any work
    if (values.cases !== undefined) return runCasesCommand(positionals, values.cases, engineName, values.program, io);
    let passed = 0;
    let failed = 0;
    let broken = 0;
    let unverified = 0;
    for (const file of positionals) {
      const p = compileFile(file, (t) => io.err(t));
      if (p === null) {
        broken++;
        continue;
      }
      let gated;
      try {
        gated = gateProgram(fromCompiled(p), {
          command: "test",
          noVerify: values["no-verify"] === true,
          warn: (t) => io.err(t),
        });
      } catch (e) {
        if (!(e instanceof VerifyError)) throw e;
        unverified++;
        io.err(formatError(e, p.source));
        continue;
      }
      const results = runTests(p, engineFor(gated, engineName).factory);
      if (results.length === 0) io.out(`${file}: no tests`);
      for (const t of results) {
        if (t.passed) {
          passed++;
          io.out(`ok    ${file}: ${t.name} (${plural(t.events, "event")})`);
        } else {
          failed++;
          io.out(`FAIL  ${file}: ${t.name}`);
          for (const f of t.failures) io.err(formatFailure(p, t, f));
        }
      }
    }
    const notes = [
      broken > 0 ? `${plural(broken, "file")} did not compile` : "",
      unverified > 0
        ? `${plural(unverified, "file")} ${unverified === 1 ? "was" : "were"} rejected by the verifier`
        : "",
    ].filter((x) => x !== "");
    io.out(`${passed} passed, ${failed} failed${notes.map((n) => `, ${n}`).join("")}`);
    return failed + broken + unverified > 0 ? 1 : 0;
  },
};
