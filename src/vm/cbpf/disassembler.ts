/**
 * `struct sock_filter` records to `bpf_asm` text that assembles back to the same records.
 * Jump targets get labels `l<index>`; a conditional jump always names both branches. Fields
 * an instruction ignores (jt/jf outside jumps, k where unused) are not part of the syntax:
 * when nonzero they are shown in a trailing `;` comment and lost on reassembly. A code with
 * no bpf_asm form (one the kernel's checker refuses anyway, apart from `ret x`) is an error
 * located at its record.
 */
import { BytecodeError } from "../../errors.js";
import type { SockFilter } from "./filter.js";
import * as O from "./opcodes.js";

const ANC_NAME: ReadonlyMap<number, string> = new Map(O.ANCILLARY.map(([n, ad]) => [ad, n]));
const ALU_NAME: ReadonlyMap<number, string> = new Map(O.ALU_OPS.map(([n, op]) => [op, n]));
const JMP_NAME: ReadonlyMap<number, string> = new Map(O.COND_JUMPS.map(([n, op]) => [op, n]));

/** A number as bpf_asm reads it: decimal when small, hex otherwise. */
export const num = (k: number): string => (k >>> 0 < 0x10000 ? String(k >>> 0) : `0x${(k >>> 0).toString(16)}`);

const SIZE_NAME: Record<number, string> = { [O.S_W]: "ld", [O.S_H]: "ldh", [O.S_B]: "ldb" };

interface Shown {
  readonly text: string;
  /** Which fields the text carries (the others are ignored by the instruction). */
  readonly usesK: boolean;
  readonly usesJumps: boolean;
}

function show(f: SockFilter, i: number, label: (t: number) => string): Shown | undefined {
  const c = f.code;
  const k = f.k >>> 0;
  const plain = (text: string, usesK = false): Shown => ({ text, usesK, usesJumps: false });
  if (c > 0xff) return undefined;
  switch (O.cls(c)) {
    case O.C_LD: {
      const sz = O.size(c);
      const name = SIZE_NAME[sz];
      if (name === undefined) return undefined;
      switch (O.mode(c)) {
        case O.M_IMM:
          return sz === O.S_W ? plain(`ld #${num(k)}`, true) : undefined;
        case O.M_ABS: {
          const anc = (k | 0) >= O.SKF_AD_OFF ? ANC_NAME.get((k | 0) - O.SKF_AD_OFF) : undefined;
          return plain(anc !== undefined ? `${name} #${anc}` : `${name} [${num(k)}]`, true);
        }
        case O.M_IND:
          return plain(`${name} [x + ${num(k)}]`, true);
        case O.M_MEM:
          return sz === O.S_W ? plain(`ld M[${k}]`, true) : undefined;
        case O.M_LEN:
          return sz === O.S_W ? plain("ld #len") : undefined;
        default:
          return undefined;
      }
    }
    case O.C_LDX:
      if (c === O.LDX_IMM) return plain(`ldx #${num(k)}`, true);
      if (c === O.LDX_MEM) return plain(`ldx M[${k}]`, true);
      if (c === O.LDX_W_LEN) return plain("ldx #len");
      if (c === O.LDX_B_MSH) return plain(`ldxb 4*([${num(k)}]&0xf)`, true);
      return undefined;
    case O.C_ST:
      return c === O.ST ? plain(`st M[${k}]`, true) : undefined;
    case O.C_STX:
      return c === O.STX ? plain(`stx M[${k}]`, true) : undefined;
    case O.C_ALU: {
      if (c === O.ALU_NEG) return plain("neg");
      const name = ALU_NAME.get(O.op(c));
      if (name === undefined || (c & ~0xf8) !== O.C_ALU) return undefined;
      return O.src(c) === O.SRC_X ? plain(`${name} x`) : plain(`${name} #${num(k)}`, true);
    }
    case O.C_JMP: {
      if (c === O.JA) return { text: `ja ${label(i + 1 + k)}`, usesK: true, usesJumps: false };
      const name = JMP_NAME.get(O.op(c));
      if (name === undefined || !O.isCondJump(c)) return undefined;
      const operand = O.src(c) === O.SRC_X ? "x" : `#${num(k)}`;
      return {
        text: `${name} ${operand}, ${label(i + 1 + f.jt)}, ${label(i + 1 + f.jf)}`,
        usesK: O.src(c) === O.SRC_K,
        usesJumps: true,
      };
    }
    case O.C_RET:
      if (c === O.RET_K) return plain(`ret #${num(k)}`, true);
      if (c === O.RET_A) return plain("ret a");
      if (c === O.RET_X) return plain("ret x");
      return undefined;
    default:
      if (c === O.TAX) return plain("tax");
      if (c === O.TXA) return plain("txa");
      return undefined;
  }
}

/** Jump targets of `prog` (indexes, possibly past its end for unchecked programs). */
function targets(prog: readonly SockFilter[]): Set<number> {
  const t = new Set<number>();
  prog.forEach((f, i) => {
    if (f.code === O.JA) t.add(i + 1 + (f.k >>> 0));
    else if (O.isCondJump(f.code)) {
      t.add(i + 1 + f.jt);
      t.add(i + 1 + f.jf);
    }
  });
  return t;
}

export function disassembleClassic(prog: readonly SockFilter[], file?: string): string {
  const tg = targets(prog);
  const label = (t: number): string => `l${t}`;
  const lines: string[] = [];
  prog.forEach((f, i) => {
    const s = show(f, i, label);
    if (s === undefined) {
      throw new BytecodeError(
        "cbpf.disasm.unknown-code",
        `code 0x${f.code.toString(16).padStart(2, "0")} is not a classic BPF instruction bpf_asm can write`,
        { file, insn: i },
      );
    }
    const ignored: string[] = [];
    if (!s.usesJumps && f.jt !== 0) ignored.push(`jt=${f.jt}`);
    if (!s.usesJumps && f.jf !== 0) ignored.push(`jf=${f.jf}`);
    if (!s.usesK && f.k !== 0) ignored.push(`k=${num(f.k)}`);
    const prefix = tg.has(i) ? `${label(i)}:` : "";
    const note = ignored.length > 0 ? `\t; ignored: ${ignored.join(" ")}` : "";
    lines.push(`${prefix.padEnd(7)}${s.text}${note}`);
  });
  return lines.join("\n") + "\n";
}
