/**
 * Human-readable output of a compiled policy: kernel-style disassembly (`--asm`), the same
 * interleaved with the policy lines that produced each instruction (`--annotate`), and the
 * JSON form (`--json`) tools consume. Disassembly is the assembler module's, not our own.
 */
import { formatInsn, helperNamesOf } from "../vm/asm/disassembler.js";
import { encode, isWide } from "../vm/isa.js";
import { MAP_TYPE_NAMES } from "../vm/maps/index.js";
import { SK_REUSEPORT } from "../vm/program-type.js";
import type { CompiledPolicy } from "./compile.js";

function insnLine(p: CompiledPolicy, pc: number): string {
  return `${String(pc).padStart(4)}: ${formatInsn(p.insns, pc, "kernel", helperNamesOf(SK_REUSEPORT))}`;
}

function eachInsn(p: CompiledPolicy, f: (pc: number) => void): void {
  for (let pc = 0; pc < p.insns.length; pc += isWide(p.insns[pc]!) ? 2 : 1) f(pc);
}

export function asmListing(p: CompiledPolicy): string {
  const out: string[] = [];
  eachInsn(p, (pc) => out.push(insnLine(p, pc)));
  return out.join("\n");
}

/** Disassembly with each policy line printed before the first instruction it produced. */
export function annotatedListing(p: CompiledPolicy): string {
  const lines = p.source.split(/\r?\n/);
  const out: string[] = [];
  let last = -1;
  eachInsn(p, (pc) => {
    const span = p.spans[pc];
    if (span !== undefined && span.line !== last) {
      last = span.line;
      out.push(`; ${p.file}:${span.line}: ${(lines[span.line - 1] ?? "").trim()}`);
    }
    out.push(insnLine(p, pc));
  });
  return out.join("\n");
}

export interface PolicyJson {
  readonly insns: string;
  readonly maps: {
    fd: number;
    name: string;
    type: string;
    key_size: number;
    value_size: number;
    max_entries: number;
  }[];
  readonly attach: "select_or_migrate";
}

export function policyJson(p: CompiledPolicy): PolicyJson {
  return {
    insns: Buffer.from(encode(p.insns)).toString("hex"),
    maps: p.maps.map((m) => ({
      fd: m.fd,
      name: m.name ?? "",
      type: MAP_TYPE_NAMES[m.type] ?? String(m.type),
      key_size: m.keySize,
      value_size: m.valueSize,
      max_entries: m.maxEntries,
    })),
    attach: "select_or_migrate",
  };
}
