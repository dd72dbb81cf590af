/**
 * `baton compile FILE.baton`: policy source to sk_reuseport bytecode (attach type 40). Every
 * output — bytecode, ELF object, listings, JSON — is written only once Baton's verifier
 * accepts the program (verified-program.ts); `--no-verify` writes it anyway, with a warning.
 */
import { writeFileSync } from "node:fs";
import { InputError, UsageError } from "../../errors.js";
import { encode } from "../../vm/isa.js";
import { annotatedListing, asmListing, policyJson } from "../../compiler/listing.js";
import { compileFile } from "../../compiler/load.js";
import { writeElfFile } from "../../elf/index.js";
import { parseCommandArgs, type Command } from "../command.js";
import { slotsAsHex } from "./asm.js";
import { fromCompiled, gateProgram } from "../verified-program.js";
import { plural } from "../../plural.js";

export const command: Command = {
  name: "compile",
  summary: "compile a .baton policy to eBPF bytecode",
  usage: [
    "baton compile FILE.baton [-o FILE.bin] [--elf OUT.o] [--asm] [--annotate] [--json] [--no-verify]",
    "  -o, --output FILE  write the raw bytecode (little-endian slots) to FILE",
    "  --elf OUT.o  write an ELF object libbpf loads (section sk_reuseport/migrate, BTF-defined .maps)",
    "  --asm        print the disassembly",
    "  --annotate   print the disassembly interleaved with the policy lines",
    "  --json       print {insns (hex), maps, attach}",
    "  --no-verify  write the outputs although Baton's verifier has not accepted the program (a warning on stderr)",
    "With no output option the bytecode is printed to stdout, one 8-byte slot per line as 16 hex digits",
    "(memory byte order, as `baton asm` prints it); no file is written. Nothing is written or printed",
    "unless Baton's verifier accepts the program.",
  ].join("\n"),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      output: { type: "string", short: "o" },
      asm: { type: "boolean" },
      annotate: { type: "boolean" },
      json: { type: "boolean" },
      elf: { type: "string" },
      "no-verify": { type: "boolean" },
    });
    if (positionals.length !== 1) throw new UsageError(`expected one policy file, got ${positionals.length}`);
    const file = positionals[0]!;
    const p = compileFile(file, (t) => io.err(t));
    if (p === null) return 1;
    // The gate comes before any output: a rejected program is neither written nor printed.
    gateProgram(fromCompiled(p), {
      command: "compile",
      noVerify: values["no-verify"] === true,
      warn: (t) => io.err(t),
    });
    if (values.asm === true) io.out(asmListing(p));
    if (values.annotate === true) io.out(annotatedListing(p));
    if (values.json === true) io.out(JSON.stringify(policyJson(p)));
    if (values.elf !== undefined) {
      const progName = (p.name ?? "baton_policy").replace(/[^A-Za-z0-9_]/g, "_");
      try {
        writeElfFile(values.elf, p.insns, p.maps, { attachType: p.attachType, programName: progName });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === undefined) throw e;
        throw new InputError("output.write", `cannot write ${values.elf}: ${(e as NodeJS.ErrnoException).code}`);
      }
      io.out(
        `${file}: ${plural(p.insns.length, "instruction")}, ${plural(p.maps.length, "map")} -> ${values.elf} (ELF, section sk_reuseport/migrate)`,
      );
    }
    const printed = values.asm === true || values.annotate === true || values.json === true || values.elf !== undefined;
    const out = values.output;
    if (out !== undefined) {
      try {
        writeFileSync(out, encode(p.insns));
      } catch (e) {
        throw new InputError(
          "output.write",
          `cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        );
      }
      if (!printed)
        io.out(`${file}: ${plural(p.insns.length, "instruction")}, ${plural(p.maps.length, "map")} -> ${out}`);
    } else if (!printed) {
      // No output named: the bytecode goes to stdout, never to a file the user did not ask for.
      io.out(slotsAsHex(encode(p.insns)));
    }
    return 0;
  },
};
