/**
 * A direct classic BPF interpreter: the reference the eBPF conversion is tested against. It
 * follows what the kernel's converted code does, which is classic semantics as documented
 * (filter.txt) plus the kernel's present-day details: a failed packet load and a division or
 * modulo by X = 0 end the filter with 0; shifts by X use its low 5 bits (eBPF ALU32); with no
 * device, `#ifidx`/`#hatype` end the filter returning A unchanged (the converted code exits
 * without setting A; kernels before 3.15 returned 0).
 *
 * Runs a program checkClassic accepted; an unchecked program may throw `ClassicCheckError`.
 */
import type { Rng } from "../rng.js";
import { ClassicCheckError } from "./errors.js";
import type { SockFilter } from "./filter.js";
import * as O from "./opcodes.js";
import { loadPacket, nlattr, nlattrNest, type ResolvedPacket } from "./packet.js";

function alu(op: number, a: number, v: number): number | undefined {
  switch (op) {
    case O.A_ADD:
      return (a + v) >>> 0;
    case O.A_SUB:
      return (a - v) >>> 0;
    case O.A_MUL:
      return Math.imul(a, v) >>> 0;
    case O.A_DIV:
      return v === 0 ? undefined : Math.floor(a / v) >>> 0;
    case O.A_MOD:
      return v === 0 ? undefined : (a % v) >>> 0;
    case O.A_OR:
      return (a | v) >>> 0;
    case O.A_AND:
      return (a & v) >>> 0;
    case O.A_XOR:
      return (a ^ v) >>> 0;
    case O.A_LSH:
      return (a << (v & 31)) >>> 0;
    case O.A_RSH:
      return a >>> (v & 31);
    default:
      return -a >>> 0; // NEG
  }
}

/** The ancillary value, or { exit } when the filter ends there. */
function ancillary(ad: number, p: ResolvedPacket, a: number, x: number, rng: Rng): number | { exit: number } {
  switch (ad) {
    case O.SKF_AD_PROTOCOL:
      return p.protocol;
    case O.SKF_AD_PKTTYPE:
      return p.pktType;
    case O.SKF_AD_IFINDEX:
      return p.device === null ? { exit: a } : p.device.ifindex >>> 0;
    case O.SKF_AD_HATYPE:
      return p.device === null ? { exit: a } : p.device.type & 0xffff;
    case O.SKF_AD_MARK:
      return p.mark;
    case O.SKF_AD_QUEUE:
      return p.queueMapping;
    case O.SKF_AD_RXHASH:
      return p.hash;
    case O.SKF_AD_CPU:
      return p.cpu;
    case O.SKF_AD_ALU_XOR_X:
      return (a ^ x) >>> 0;
    case O.SKF_AD_VLAN_TAG:
      return p.vlanTci;
    case O.SKF_AD_VLAN_TAG_PRESENT:
      return p.vlanAll !== 0 ? 1 : 0;
    case O.SKF_AD_PAY_OFFSET:
      return p.payOffset;
    case O.SKF_AD_RANDOM:
      return rng.nextU32();
    case O.SKF_AD_VLAN_TPID:
      return p.vlanProto;
    case O.SKF_AD_NLATTR:
      return nlattr(p, a, x);
    default:
      return nlattrNest(p, a, x); // SKF_AD_NLATTR_NEST
  }
}

/** Run `prog` on `p`; returns the filter's u32 result. */
export function interpretClassic(prog: readonly SockFilter[], p: ResolvedPacket, rng: Rng): number {
  let a = 0;
  let x = 0;
  const mem = new Uint32Array(O.BPF_MEMWORDS);
  const headlen = p.len - p.dataLen;
  for (let pc = 0; pc < prog.length; pc++) {
    const f = prog[pc]!;
    const c = f.code;
    const k = f.k >>> 0;
    switch (O.cls(c)) {
      case O.C_LD: {
        const m = O.mode(c);
        if (c === O.LD_IMM) a = k;
        else if (c === O.LD_W_LEN) a = p.len >>> 0;
        else if (c === O.LD_MEM) a = mem[k]!;
        else if (m === O.M_ABS && O.isKnownAncillary(k)) {
          const v = ancillary((k | 0) - O.SKF_AD_OFF, p, a, x, rng);
          if (typeof v === "object") return v.exit >>> 0;
          a = v >>> 0;
        } else {
          const off = m === O.M_IND ? (x + k) | 0 : k | 0;
          const v = loadPacket(p, headlen, off, O.sizeBytes(O.size(c)));
          if (v === undefined) return 0;
          a = v;
        }
        break;
      }
      case O.C_LDX:
        if (c === O.LDX_IMM) x = k;
        else if (c === O.LDX_W_LEN) x = p.len >>> 0;
        else if (c === O.LDX_MEM) x = mem[k]!;
        else {
          const v = loadPacket(p, headlen, k | 0, 1);
          if (v === undefined) return 0;
          x = (v & 0xf) << 2;
        }
        break;
      case O.C_ST:
        mem[k] = a;
        break;
      case O.C_STX:
        mem[k] = x;
        break;
      case O.C_ALU: {
        const v = alu(O.op(c), a, O.src(c) === O.SRC_X ? x : k);
        if (v === undefined) return 0;
        a = v;
        break;
      }
      case O.C_JMP: {
        if (c === O.JA) {
          pc += k;
          break;
        }
        const v = O.src(c) === O.SRC_X ? x : k;
        const o = O.op(c);
        const taken = o === O.J_JEQ ? a === v : o === O.J_JGT ? a > v : o === O.J_JGE ? a >= v : (a & v) !== 0;
        pc += taken ? f.jt : f.jf;
        break;
      }
      case O.C_RET:
        return c === O.RET_A ? a : k;
      default:
        if (c === O.TAX) x = a;
        else a = x;
    }
  }
  throw new ClassicCheckError(
    "last-not-ret",
    "the filter ran past its last instruction (it was not checked)",
    prog.length - 1,
  );
}
