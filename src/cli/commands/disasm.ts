/**
 * `baton disasm FILE [--program NAME] [--style conformance|kernel] [--labels] [--hex]`: print
 * bytecode as text. FILE.bin holds raw little-endian 8-byte slots (`llvm-objcopy -O binary
 * --only-section=.text`); with --hex it holds `baton asm`'s hex output instead; .o (ELF), .s
 * and .baton files go through the shared program loader (an ELF program is shown linked). The kernel style names
 * helpers as the
 * sk_reuseport program type does (`call bpf_map_lookup_elem#1`).
 */
import { BytecodeError, InputError, UsageError } from "../../errors.js";
import { disassemble, helperNamesOf, type DisasmStyle } from "../../vm/asm/disassembler.js";
import { SK_REUSEPORT } from "../../vm/program-type.js";
import { parseCommandArgs, type Command } from "../command.js";
import { checkProgramSize, loadProgramFile } from "../load-program.js";
import { readInput } from "./asm.js";

function fromHex(text: string, file: string): Uint8Array {
  const clean = text.replace(/#[^\n]*/g, "").replace(/\s+/g, "");
  const bad = /[^0-9a-fA-F]/.exec(clean);
  if (bad !== null)
    throw new InputError("input.bad-hex", `'${file}' is not hex text: unexpected character '${bad[0]}'`);
  if (clean.length % 2 !== 0)
    throw new InputError("input.bad-hex", `'${file}' has an odd number of hex digits (${clean.length})`);
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
}

export const command: Command = {
  name: "disasm",
  summary: "disassemble eBPF bytecode (conformance dialect or kernel pseudo-C)",
  usage: [
    "baton disasm FILE (.bin | .o | .s | .baton) [--program NAME] [--style conformance|kernel] [--labels] [--hex]",
    "  FILE.bin: raw little-endian 8-byte slots; FILE.o: an ELF object (clang -target bpf, or baton compile --elf)",
    "  --program NAME  the program to disassemble in an ELF object holding several",
    "  --style conformance|kernel  conformance (default): the assembler dialect, re-assembles to the same bytes;",
    "                  kernel: the kernel verifier log's style (r0 = *(u32 *)(r1 +4))",
    "  --labels        (conformance style) write jump targets as labels L<slot> instead of +N/-N",
    "  --hex           the file holds hex text as `baton asm` prints it (one 16-digit slot per line)",
  ].join("\n"),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      style: { type: "string" },
      hex: { type: "boolean" },
      labels: { type: "boolean" },
      program: { type: "string" },
    });
    if (positionals.length !== 1) throw new UsageError(`expected one input file, got ${positionals.length}`);
    const style = values.style ?? "conformance";
    if (style !== "conformance" && style !== "kernel")
      throw new UsageError(`--style expects 'conformance' or 'kernel', got '${style}'`);
    const file = positionals[0]!;
    const bytes =
      values.hex === true
        ? fromHex(readInput(file, "utf8") as string, file)
        : file.endsWith(".bin")
          ? (readInput(file) as Uint8Array)
          : (await loadProgramFile(file, values.program !== undefined ? { program: values.program } : {})).bytes;
    checkProgramSize(bytes, file);
    try {
      const text = disassemble(bytes, {
        style: style as DisasmStyle,
        helperName: helperNamesOf(SK_REUSEPORT),
        labels: values.labels === true,
      });
      if (text.length > 0) io.out(text);
    } catch (e) {
      if (
        e instanceof BytecodeError &&
        e.location !== undefined &&
        !("file" in e.location && e.location.file !== undefined)
      ) {
        throw new BytecodeError(e.code, e.message, { file, insn: (e.location as { insn: number }).insn });
      }
      throw e;
    }
    return 0;
  },
};
