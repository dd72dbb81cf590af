/**
 * `baton cbpf asm|disasm|check|run FILE`: classic BPF programs for SO_ATTACH_REUSEPORT_CBPF.
 * FILE is bpf_asm text, a `struct sock_filter` C array, the count-first decimal list of
 * `bpf_asm`/`tcpdump -ddd`, or (`.bin`) raw 8-byte records; the form is detected.
 */
import { writeFileSync } from "node:fs";
import { InputError, UsageError } from "../../errors.js";
import { disassemble } from "../../vm/asm/disassembler.js";
import { DEFAULT_OPTMEM_MAX, reuseportAttachError } from "../../vm/cbpf/check.js";
import { convertClassic } from "../../vm/cbpf/convert.js";
import { disassembleClassic } from "../../vm/cbpf/disassembler.js";
import { encodeFilter, formatCArray, formatDecimal, type SockFilter } from "../../vm/cbpf/filter.js";
import { loadClassic } from "../../vm/cbpf/load.js";
import { ClassicProgram } from "../../vm/cbpf/program.js";
import { selectClassic } from "../../vm/cbpf/reuseport.js";
import { tcpSynReuseportPacket, udpReuseportPacket } from "../../vm/cbpf/reuseport-packets.js";
import { CALL_NAMES } from "../../vm/cbpf/skb-layout.js";
import type { EngineName } from "../../vm/engine.js";
import { ENGINE_NAMES } from "../../vm/engines.js";
import { encode } from "../../vm/isa.js";
import { intOption, parseCommandArgs, type CliIO, type Command } from "../command.js";
import { readInput } from "./asm.js";

const USAGE = `baton cbpf asm FILE [--format c|decimal|ddd] [-o OUT.bin]
baton cbpf disasm FILE
baton cbpf check FILE [--optmem BYTES] [--ebpf]
baton cbpf run FILE [--payload HEX | --tcp] [--ipv6] [--socks N] [--cpu N] [--hash N] [--src-port N] [--dst-port N]
                    [--engine interp|jit] [--seed N]
  FILE: bpf_asm text, a sock_filter C array ({ 0x28, 0, 0, 0x0000000c },), the count-first decimal
        list (bpf_asm / tcpdump -ddd), or FILE.bin with raw 8-byte records
  asm:    print the C array (default), bpf_asm's one-line decimal form, or tcpdump -ddd's lines; -o writes raw records
  disasm: print bpf_asm text that assembles back to the same records
  check:  the kernel's checker and conversion (SO_ATTACH_REUSEPORT_CBPF's verdict); --ebpf prints the converted program
  run:    one UDP datagram (payload hex) on loopback through the filter, as reuseport selection runs it
          (--tcp: a TCP SYN instead; --ipv6: over [::1]): the result indexes socks[] of a --socks group
          (default 4), out of range is the kernel's hash pick
  --format c|decimal|ddd  (asm) the printed form: C array (default), bpf_asm's decimal line, tcpdump -ddd lines
  -o, --output OUT.bin    (asm) write the raw 8-byte records to OUT.bin instead of printing
  --optmem BYTES          (check) the net.core.optmem_max the kernel's size check uses (default 131072)
  --ebpf                  (check) also print the eBPF program the kernel converts the filter to
  --payload HEX           (run) the UDP datagram's payload (default empty)
  --tcp                   (run) send a TCP SYN instead of a UDP datagram
  --ipv6                  (run) over [::1] instead of 127.0.0.1
  --socks N               (run) sockets in the reuseport group (default 4)
  --cpu N                 (run) the CPU the packet arrives on (default 0)
  --hash N                (run) the skb hash (default 0)
  --src-port N            (run) the packet's source port (default 40000)
  --dst-port N            (run) the group's port (default 4433)
  --engine interp|jit     (run) the engine the converted program runs on (default interp)
  --seed N                (run) seed of the random numbers the program may read (default 0)`;

function load(file: string): SockFilter[] {
  return loadClassic(readInput(file) as Uint8Array, file);
}

function hexBytes(option: string, text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "").replace(/^0x/i, "");
  const bad = /[^0-9a-f]/i.exec(clean);
  if (bad !== null) throw new UsageError(`--${option}: '${bad[0]}' at position ${bad.index + 1} is not a hex digit`);
  if (clean.length % 2 !== 0)
    throw new UsageError(
      `--${option}: ${clean.length} hex digits is not a whole number of bytes (the last byte is cut at position ${clean.length})`,
    );
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
}

function asm(argv: string[], io: CliIO): number {
  const { values, positionals } = parseCommandArgs(argv, {
    format: { type: "string" },
    output: { type: "string", short: "o" },
  });
  if (positionals.length !== 1) throw new UsageError(`expected one input file, got ${positionals.length}`);
  const prog = load(positionals[0]!);
  if (values.output !== undefined) {
    try {
      writeFileSync(values.output, encodeFilter(prog));
    } catch (e) {
      throw new InputError(
        "output.unwritable",
        `cannot write '${values.output}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    return 0;
  }
  const format = values.format ?? "c";
  if (format === "c") io.out(formatCArray(prog));
  else if (format === "decimal") io.out(formatDecimal(prog));
  else if (format === "ddd") io.out(formatDecimal(prog, false));
  else throw new UsageError(`--format expects c, decimal or ddd, got '${format}'`);
  return 0;
}

function check(argv: string[], io: CliIO): number {
  const { values, positionals } = parseCommandArgs(argv, { optmem: { type: "string" }, ebpf: { type: "boolean" } });
  if (positionals.length !== 1) throw new UsageError(`expected one input file, got ${positionals.length}`);
  const file = positionals[0]!;
  const prog = load(file);
  const optmem = intOption("optmem", values.optmem, DEFAULT_OPTMEM_MAX, 1);
  const e = reuseportAttachError(prog, optmem, file);
  if (e !== undefined) throw e;
  const conv = convertClassic(prog, file);
  io.out(
    `${file}: accepted (${prog.length} classic instructions, ${conv.insns.length} eBPF instructions after conversion)`,
  );
  if (values.ebpf === true) {
    io.out(
      disassemble(encode(conv.insns), {
        style: "kernel",
        helperName: (id) => CALL_NAMES.get(id) ?? `helper#${id}`,
      }).trimEnd(),
    );
  }
  return 0;
}

function run(argv: string[], io: CliIO): number {
  const { values, positionals } = parseCommandArgs(argv, {
    payload: { type: "string" },
    socks: { type: "string" },
    cpu: { type: "string" },
    hash: { type: "string" },
    "src-port": { type: "string" },
    "dst-port": { type: "string" },
    engine: { type: "string" },
    seed: { type: "string" },
    tcp: { type: "boolean" },
    ipv6: { type: "boolean" },
  });
  if (positionals.length !== 1) throw new UsageError(`expected one input file, got ${positionals.length}`);
  const engine = values.engine ?? "interp";
  if (!(ENGINE_NAMES as readonly string[]).includes(engine))
    throw new UsageError(`--engine expects one of ${ENGINE_NAMES.join(", ")}, got '${engine}'`);
  const file = positionals[0]!;
  const prog = new ClassicProgram(load(file), {
    engine: engine as EngineName,
    seed: intOption("seed", values.seed, 0),
    file,
  });
  const socks = intOption("socks", values.socks, 4, 1, 65535);
  const payload = values.payload === undefined ? new Uint8Array(0) : hexBytes("payload", values.payload);
  if (values.tcp === true && values.payload !== undefined)
    throw new UsageError("--tcp runs a SYN, which has no payload; drop --payload");
  const ends = {
    family: values.ipv6 === true ? (6 as const) : (4 as const),
    srcPort: intOption("src-port", values["src-port"], 40000, 0, 65535),
    dstPort: intOption("dst-port", values["dst-port"], 4433, 0, 65535),
  };
  const skb = { cpu: intOption("cpu", values.cpu, 0, 0, 8191), hash: intOption("hash", values.hash, 0, 0, 0xffffffff) };
  const packet = values.tcp === true ? tcpSynReuseportPacket(ends, skb) : udpReuseportPacket({ ...ends, payload }, skb);
  const pick = selectClassic(prog, packet, socks);
  io.out(
    pick.kind === "socket"
      ? `result ${pick.result}: socks[${pick.index}]`
      : `result ${pick.result}: not below ${socks} sockets, the kernel picks by hash`,
  );
  return 0;
}

export const command: Command = {
  name: "cbpf",
  summary: "classic BPF for SO_ATTACH_REUSEPORT_CBPF: assemble, disassemble, check, run",
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    switch (sub) {
      case "asm":
        return asm(rest, io);
      case "disasm": {
        const { positionals } = parseCommandArgs(rest, {});
        if (positionals.length !== 1) throw new UsageError(`expected one input file, got ${positionals.length}`);
        io.out(disassembleClassic(load(positionals[0]!), positionals[0]).trimEnd());
        return 0;
      }
      case "check":
        return check(rest, io);
      case "run":
        return run(rest, io);
      default:
        throw new UsageError(
          sub === undefined
            ? "expected a subcommand: asm, disasm, check or run"
            : `unknown subcommand '${sub}'; expected asm, disasm, check or run`,
        );
    }
  },
};
