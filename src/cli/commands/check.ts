/**
 * `baton check FILE.baton`: parse, check, verify; print the program's statistics. With
 * `--kernel` the machine's kernel verifier is asked as well — also when Baton rejects — and
 * both verdicts are printed, so a disagreement shows whichever side it is on.
 */
import { formatError, UsageError, VerifyError } from "../../errors.js";
import { compileFile } from "../../compiler/load.js";
import { verify } from "../../verifier/index.js";
import { encode } from "../../vm/isa.js";
import { SK_REUSEPORT } from "../../vm/program-type.js";
import { kernelAvailability, kernelFirstError, kernelVerify } from "../../kernel/verifier.js";
import { parseCommandArgs, type Command } from "../command.js";
import { rejectionHint } from "../verified-program.js";
import { plural } from "../../plural.js";

export const command: Command = {
  name: "check",
  summary: "check a .baton policy: syntax, types, verifier; print statistics",
  usage: [
    "baton check FILE.baton... [--kernel]",
    "  --kernel   also load the program into this machine's kernel verifier (whatever Baton's verdict)",
    "             and print both verdicts; exit 1 if either rejects",
  ].join("\n"),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { kernel: { type: "boolean" } });
    if (positionals.length === 0) throw new UsageError("expected at least one policy file");
    let failed = 0;
    for (const file of positionals) {
      const p = compileFile(file, (t) => io.err(t));
      if (p === null) {
        failed++;
        continue;
      }
      const r = verify(p.insns, { type: SK_REUSEPORT, attachType: p.attachType, maps: p.maps, sourceMap: p.sourceMap });
      if (!r.accepted && r.error !== null) {
        const e = r.error;
        io.err(formatError(new VerifyError(e.code, e.message, e.location, rejectionHint(e, "baton")), p.source));
      }
      let kernel = "";
      let kernelRejected = false;
      if (values.kernel === true) {
        const a = kernelAvailability();
        if (!a.available) kernel = `kernel: not checked (${a.reason})`;
        else {
          const k = await kernelVerify(encode(p.insns), { attachType: p.attachType, maps: p.maps, logLevel: 1 });
          kernelRejected = !k.accepted;
          kernel = k.accepted
            ? `kernel: accepted (processed ${k.stats.processed === undefined ? "? insns" : plural(k.stats.processed, "insn")})`
            : `kernel: rejected (errno ${k.errno}): ${kernelFirstError(k)}`;
          if (!k.accepted) io.err(k.log.trim().split("\n").slice(-12).join("\n"));
        }
      }
      if (!r.accepted || kernelRejected) failed++;
      if (r.accepted) {
        io.out(
          `${file}: ok: ${plural(p.insns.length, "instruction")}, ${plural(p.maps.length, "map")}, ${plural(p.stackBytes, "stack byte")}, ${plural(r.processed, "instruction")} processed by the verifier, ${plural(p.tests.length, "test")}${kernel !== "" ? `; ${kernel}` : ""}`,
        );
      } else {
        io.err(
          `${file}: rejected by Baton's verifier (processed ${plural(r.processed, "insn")})${kernel !== "" ? `; ${kernel}` : ""}`,
        );
      }
    }
    return failed > 0 ? 1 : 0;
  },
};
