/** `baton check FILE.baton`: parse, check, verify; print the program's statistics. */
import { formatError, UsageError } from "../../errors.js";
import { compileFile } from "../../compiler/load.js";
import { verify } from "../../verifier/verify.js";
import { encode } from "../../vm/isa.js";
import { SK_REUSEPORT } from "../../vm/program-type.js";
import { kernelAvailability, kernelVerify } from "../../kernel/verifier.js";
import { parseCommandArgs, type Command } from "../command.js";

export const command: Command = {
  name: "check",
  summary: "check a .baton policy: syntax, types, verifier; print statistics",
  usage: [
    "baton check FILE.baton... [--kernel]",
    "  --kernel   also load the program into this machine's kernel verifier",
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
      if (!r.accepted) {
        failed++;
        if (r.error !== null) io.err(formatError(r.error, p.source));
        io.err(`${file}: rejected by the verifier`);
        continue;
      }
      let kernel = "";
      if (values.kernel === true) {
        const a = kernelAvailability();
        if (!a.available) kernel = `, kernel: not checked (${a.reason})`;
        else {
          const k = await kernelVerify(encode(p.insns), { attachType: p.attachType, maps: p.maps });
          kernel = k.accepted ? ", kernel: accepted" : `, kernel: REJECTED (errno ${k.errno})`;
          if (!k.accepted) {
            failed++;
            io.err(k.log.trim().split("\n").slice(-12).join("\n"));
          }
        }
      }
      io.out(`${file}: ok: ${p.insns.length} instructions, ${p.maps.length} maps, ${p.stackBytes} stack bytes, ${r.processed} instructions processed by the verifier, ${p.tests.length} tests${kernel}`);
    }
    return failed > 0 ? 1 : 0;
  },
};
