/** `baton test FILE.baton…`: run the policies' `test` blocks in the VM runtime. */
import { UsageError } from "../../errors.js";
import { compileFile } from "../../compiler/load.js";
import { formatFailure, runTests } from "../../compiler/test-runner.js";
import { engineByName } from "../../vm/engines.js";
import { parseCommandArgs, type Command } from "../command.js";

export const command: Command = {
  name: "test",
  summary: "run the test blocks of .baton policies",
  usage: ["baton test FILE.baton... [--engine interp|jit]", "  --engine   execution engine (default interp)"].join("\n"),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { engine: { type: "string" } });
    if (positionals.length === 0) throw new UsageError("expected at least one policy file");
    const engine = engineByName(values.engine ?? "interp");
    let passed = 0;
    let failed = 0;
    let broken = 0;
    for (const file of positionals) {
      const p = compileFile(file, (t) => io.err(t));
      if (p === null) {
        broken++;
        continue;
      }
      const results = runTests(p, engine);
      if (results.length === 0) io.out(`${file}: no tests`);
      for (const t of results) {
        if (t.passed) {
          passed++;
          io.out(`ok    ${file}: ${t.name} (${t.events} events)`);
        } else {
          failed++;
          io.out(`FAIL  ${file}: ${t.name}`);
          for (const f of t.failures) io.err(formatFailure(p, t, f));
        }
      }
    }
    io.out(`${passed} passed, ${failed} failed${broken > 0 ? `, ${broken} files did not compile` : ""}`);
    return failed + broken > 0 ? 1 : 0;
  },
};
