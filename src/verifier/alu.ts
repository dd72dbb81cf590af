/**
 * ALU instructions: scalar arithmetic through the bounds domain (scalar.ts) and the kernel's
 * pointer-arithmetic rules (`adjust_ptr_min_max_vals`): only add/sub of a scalar to a
 * ctx, stack, map value or packet pointer; nothing on or_null pointers before the NULL
 * check; no 32-bit pointer arithmetic; constant division by zero and out-of-range constant
 * shifts rejected ("div by zero", "invalid shift N").
 * Deliberately absent: Spectre sanitation (the kernel's `sanitize_ptr_alu` rewrites code for
 * unprivileged loads; Baton only verifies).
 */
import {
  BPF_ADD,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_DIV,
  BPF_END,
  BPF_K,
  BPF_LSH,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RSH,
  BPF_SUB,
  BPF_XOR,
  OP_COUNT,
  OP_DESC,
  Op,
  type OpDesc,
} from "../vm/isa.js";
import type { Env } from "./env.js";
import {
  UNKNOWN,
  alu32,
  alu64,
  isConstScalar,
  neg,
  scalarConstHL,
  scalarRange,
  sext,
  smin64,
  sminNum,
  sminUnbounded,
  truncate,
  zext32,
  type AluOp,
  type Scalar,
} from "./scalar.js";
import {
  constReg,
  isOrNull,
  linkedScalarReg,
  regWith,
  scalarReg,
  unlinked,
  UNKNOWN_SCALAR,
  withId,
  withScalar,
  type Reg,
} from "./state.js";
import type { OwnInsn } from "./own-insns.js";
import { tnumStr } from "./tnum.js";

/** The kernel's `bpf_alu_string`, used in its messages. */
const OP_TEXT: Readonly<Record<number, string>> = {
  [BPF_ADD]: "+=",
  [BPF_SUB]: "-=",
  [BPF_MUL]: "*=",
  [BPF_OR]: "|=",
  [BPF_AND]: "&=",
  [BPF_DIV]: "/=",
  [BPF_MOD]: "%=",
  [BPF_LSH]: "<<=",
  [BPF_RSH]: ">>=",
  [BPF_NEG]: "neg",
  [BPF_XOR]: "^=",
  [BPF_MOV]: "=",
  [BPF_ARSH]: "s>>=",
  [BPF_END]: "endian",
};

/**
 * The scalar domain's operation (scalar.ts) for each binary ALU instruction whose result bounds
 * the kernel computes; undefined for the others (division and modulo: see rangeComputable).
 */
function domainOp(op: Op): AluOp | undefined {
  switch (op) {
    case Op.ADD64_K:
    case Op.ADD64_X:
    case Op.ADD32_K:
    case Op.ADD32_X:
      return "add";
    case Op.SUB64_K:
    case Op.SUB64_X:
    case Op.SUB32_K:
    case Op.SUB32_X:
      return "sub";
    case Op.MUL64_K:
    case Op.MUL64_X:
    case Op.MUL32_K:
    case Op.MUL32_X:
      return "mul";
    case Op.AND64_K:
    case Op.AND64_X:
    case Op.AND32_K:
    case Op.AND32_X:
      return "and";
    case Op.OR64_K:
    case Op.OR64_X:
    case Op.OR32_K:
    case Op.OR32_X:
      return "or";
    case Op.XOR64_K:
    case Op.XOR64_X:
    case Op.XOR32_K:
    case Op.XOR32_X:
      return "xor";
    case Op.LSH64_K:
    case Op.LSH64_X:
    case Op.LSH32_K:
    case Op.LSH32_X:
      return "lsh";
    case Op.RSH64_K:
    case Op.RSH64_X:
    case Op.RSH32_K:
    case Op.RSH32_X:
      return "rsh";
    case Op.ARSH64_K:
    case Op.ARSH64_X:
    case Op.ARSH32_K:
    case Op.ARSH32_X:
      return "arsh";
    default:
      // DIV*, SDIV*, MOD*, SMOD*: the kernel tracks no quotient or remainder.
      return undefined;
  }
}

/** `domainOp` of every `Op`, looked up once per ALU instruction checked. */
const DOMAIN_OP: readonly (AluOp | undefined)[] = Array.from({ length: OP_COUNT }, (_, op) => domainOp(op as Op));

/** Largest offset a pointer may carry (kernel BPF_MAX_VAR_OFF). */
const MAX_VAR_OFF = 1 << 29;

const POINTER_MATH_OK = new Set(["ctx", "stack", "map_value", "pkt"]);

function ptrMath(env: Env, dstReg: number, ptr: Reg, val: Scalar, sub: boolean): Reg {
  if (isOrNull(ptr))
    env.reject(
      `R${dstReg} pointer arithmetic on ${ptr.type} prohibited, null-check it first`,
      "verify.ptr-arith-null",
      "compare the pointer with 0 before doing arithmetic on it",
    );
  if (!POINTER_MATH_OK.has(ptr.type))
    env.reject(`R${dstReg} pointer arithmetic on ${ptr.type} prohibited`, "verify.ptr-arith");
  const stackSub = (): void => {
    // Kernel adjust_ptr_min_max_vals: JITs may not handle fp minus anything, so every form
    // (immediate, constant or unknown register) is refused; `rX += -8` is the way.
    if (sub && ptr.type === "stack")
      env.reject(
        `R${dstReg} subtraction from stack pointer prohibited`,
        "verify.stack-sub",
        "add a negative offset instead: `rX += -N`",
      );
  };
  if (isConstScalar(val)) {
    const c = sminNum(val);
    if (c >= MAX_VAR_OFF || c <= -MAX_VAR_OFF)
      env.reject(`math between ${ptr.type} pointer and ${smin64(val)} is not allowed`, "verify.ptr-range");
    stackSub();
    const off = ptr.off + (sub ? -c : c);
    if (off >= MAX_VAR_OFF || off <= -MAX_VAR_OFF)
      env.reject(`${ptr.type} pointer offset ${off} is not allowed`, "verify.ptr-range");
    return regWith(ptr, ptr.type, ptr.s, off, ptr.id, ptr.range, ptr.precise, ptr.delta);
  }
  // Kernel `check_reg_sane_offset`: only the minimum of the offset is checked here; the
  // maximum is checked at the dereference ("unbounded memory access").
  if (sminUnbounded(val))
    env.reject(
      `math between ${ptr.type} pointer and register with unbounded min value is not allowed`,
      "verify.ptr-unbounded",
      "bound the offset first, e.g. with `if rX > N goto …` or `rX &= N`",
    );
  if (sminNum(val) >= MAX_VAR_OFF || sminNum(val) <= -MAX_VAR_OFF)
    env.reject(`value ${smin64(val)} makes ${ptr.type} pointer be out of bounds`, "verify.ptr-range");
  stackSub();
  if (env.unprivileged && ptr.type === "stack")
    env.reject(
      `R${dstReg} variable stack access prohibited for !root, var_off=${tnumStr(val.t)}`,
      "verify.unpriv-var-stack",
    );
  const s = sub ? alu64("sub", ptr.s, val) : alu64("add", ptr.s, val);
  if (sminUnbounded(s))
    env.reject(
      `math between ${ptr.type} pointer and register with unbounded min value is not allowed`,
      "verify.ptr-unbounded",
    );
  if (sminNum(s) >= MAX_VAR_OFF || sminNum(s) <= -MAX_VAR_OFF)
    env.reject(`value ${smin64(s)} makes ${ptr.type} pointer be out of bounds`, "verify.ptr-range");
  const out: Reg = withScalar(ptr, s);
  // A packet pointer with a new variable part needs its own range check.
  return ptr.type === "pkt" ? regWith(out, out.type, out.s, out.off, env.nextId(), 0, out.precise, out.delta) : out;
}

/**
 * Kernel is_safe_to_compute_dst_reg_range: bounds follow add, sub, mul and the bitwise
 * operations, and shifts by a constant below the width (the 64-bit umax counts, also for
 * 32-bit shifts); division and modulo never (6.18 tracks no quotient, even of constants).
 */
function rangeComputable(op: AluOp | undefined, src: Scalar, is64: boolean): op is AluOp {
  switch (op) {
    case "add":
    case "sub":
    case "mul":
    case "and":
    case "or":
    case "xor":
      return true;
    case "lsh":
    case "rsh":
    case "arsh": {
      const known = is64
        ? isConstScalar(src) &&
          src.sminH === src.smaxH &&
          src.sminL === src.smaxL &&
          src.uminH === src.umaxH &&
          src.uminL === src.umaxL
        : src.t.ml === 0 && src.s32min === src.s32max && src.u32min === src.u32max;
      return known && src.umaxH === 0 && src.umaxL >>> 0 < (is64 ? 64 : 32);
    }
    default:
      return false;
  }
}

/** The low `bits` bits of (h, l) with their bytes reversed, as a constant. */
function bswap(h: number, l: number, bits: number): Scalar {
  const rev32 = (x: number): number => ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
  if (bits === 16) return scalarConstHL(0, ((l & 0xff) << 8) | ((l >>> 8) & 0xff));
  if (bits === 32) return scalarConstHL(0, rev32(l));
  return scalarConstHL(rev32(l), rev32(h));
}

/** Byte-order instructions: the width is `d.width` bytes; le truncates, be and bswap reverse. */
function endian(env: Env, x: OwnInsn, d: OpDesc): void {
  const r = env.readReg(x.dst);
  if (r.type !== "scalar") {
    // Privileged loads may turn a pointer into a number (kernel: allow_ptr_leaks).
    if (env.unprivileged) env.reject(`R${x.dst} pointer arithmetic prohibited`, "verify.ptr-arith");
    return env.setReg(x.dst, UNKNOWN_SCALAR);
  }
  const bytes = d.width;
  let s: Scalar;
  switch (x.op) {
    case Op.LE16:
    case Op.LE32:
    case Op.LE64:
      s = truncate(r.s, bytes);
      break;
    default:
      if (isConstScalar(r.s)) s = bswap(r.s.t.vh, r.s.t.vl, bytes * 8);
      else s = bytes === 8 ? UNKNOWN : scalarRange(0, 2 ** (bytes * 8) - 1);
  }
  env.setReg(x.dst, scalarReg(s));
}

/**
 * `dst += const` or `dst -= const` on a linked scalar keeps the link with a delta (kernel
 * adjust_reg_min_max_vals, BPF_ADD_CONST, as Linux 6.18 probes): a constant in the s32 range,
 * applied once; anything else unlinks. Baton links only 64-bit arithmetic (the kernel also
 * links 32-bit adds, which only makes it accept more; see KNOWN_DIFFERENCES.md).
 */
function addConstLink(env: Env, s: Scalar, dst: Reg, src: Reg, code: number, is64: boolean): Reg {
  if (env.unprivileged || (code !== BPF_ADD && code !== BPF_SUB) || !is64 || dst.id === 0 || !isConstScalar(src.s))
    return scalarReg(s);
  const val = sminNum(src.s);
  if (dst.delta !== undefined || val < -0x80000000 || val > 0x7fffffff) return scalarReg(s);
  if (code === BPF_SUB && val === -0x80000000) return scalarReg(s);
  return linkedScalarReg(s, dst.id, code === BPF_SUB ? -val : val);
}

/**
 * The kernel's check_alu_op: `code` is its `opcode` (BPF_OP of the instruction), `useK` its
 * `BPF_SRC(insn->code) == BPF_K`.
 */
export function checkAlu(env: Env, x: OwnInsn): void {
  const d = OP_DESC[x.op]!;
  if (d.kind === "end") return endian(env, x, d);
  const is64 = d.cls === BPF_ALU64;
  const code = d.code;
  const useK = d.source === BPF_K;
  if (code === BPF_NEG) {
    const r = env.readReg(x.dst);
    if (r.type !== "scalar") {
      if (env.unprivileged) env.reject(`R${x.dst} pointer arithmetic prohibited`, "verify.ptr-arith");
      return env.setReg(x.dst, UNKNOWN_SCALAR);
    }
    env.setReg(x.dst, scalarReg(neg(r.s, is64 ? 64 : 32)));
    return;
  }
  const imm = is64 ? x.imm : x.imm >>> 0;
  if (code === BPF_MOV) {
    if (useK) {
      env.setReg(x.dst, constReg(imm));
      return;
    }
    let src = env.readReg(x.src);
    if (x.dst === 10) env.setReg(10, src); // rejects
    if (src.type !== "scalar") {
      if (x.op === Op.MOV64_X) return env.setReg(x.dst, src);
      if (env.unprivileged)
        env.reject(`R${x.src} ${is64 ? "sign-extension" : "partial copy"} of pointer`, "verify.ptr-leak");
      return env.setReg(x.dst, UNKNOWN_SCALAR);
    }
    // movsx: `d.width` is the width of the sign-extended source.
    if (d.signed) {
      const s = sext(is64 ? src.s : zext32(src.s), d.width as 1 | 2 | 4);
      return env.setReg(x.dst, scalarReg(is64 ? s : zext32(s)));
    }
    if (!is64) return env.setReg(x.dst, scalarReg(zext32(src.s)));
    // A 64-bit copy links the two registers: a later branch narrows both (kernel ids).
    // A register that is already "link + delta" loses that link on a copy and starts a new one
    // (kernel assign_scalar_id_before_mov: multiple rX += const are not tracked).
    if (src.delta !== undefined) {
      src = unlinked(src);
      env.frame.regs[x.src] = src;
    }
    if (!isConstScalar(src.s)) {
      let id = src.id;
      if (id === 0) {
        id = env.nextId();
        env.frame.regs[x.src] = withId(src, id);
      }
      return env.setReg(x.dst, withId(src, id));
    }
    return env.setReg(x.dst, src);
  }
  if (useK && (code === BPF_DIV || code === BPF_MOD) && x.imm === 0)
    env.reject(
      "div by zero",
      "verify.div-by-zero",
      "dividing by the constant 0 always gives 0 (or keeps the dividend for modulo); remove the operation",
    );
  const width = is64 ? 64 : 32;
  if (useK && (code === BPF_LSH || code === BPF_RSH || code === BPF_ARSH) && (x.imm < 0 || x.imm >= width)) {
    env.reject(
      `invalid shift ${x.imm}`,
      "verify.bad-shift",
      `shift amounts must be in [0, ${width - 1}] for ${width}-bit operations`,
    );
  }
  const dst = env.readReg(x.dst);
  const src: Reg = useK ? constReg(imm) : env.readReg(x.src);
  const op = DOMAIN_OP[x.op];
  if (dst.type === "scalar" && src.type === "scalar") {
    // Otherwise the kernel gives up before its 32-bit zero-extension: a fully unknown 64-bit
    // value even after a 32-bit div/mod or shift by a register.
    if (!rangeComputable(op, src.s, is64)) return env.setReg(x.dst, UNKNOWN_SCALAR);
    const s = is64 ? alu64(op, dst.s, src.s) : alu32(op, dst.s, src.s);
    env.setReg(x.dst, addConstLink(env, s, dst, src, code, is64));
    return;
  }
  const text = OP_TEXT[code] ?? "?";
  if (dst.type !== "scalar" && src.type !== "scalar") {
    if (code === BPF_SUB && is64 && !env.unprivileged) return env.setReg(x.dst, UNKNOWN_SCALAR);
    env.reject(`R${x.dst} pointer ${text} pointer prohibited`, "verify.ptr-ptr");
  }
  if (!is64) env.reject(`R${x.dst} 32-bit pointer arithmetic prohibited`, "verify.ptr-arith32");
  const ptr = dst.type !== "scalar" ? dst : src;
  const val = dst.type !== "scalar" ? src.s : dst.s;
  if (code === BPF_AND || code === BPF_OR || code === BPF_XOR)
    env.reject(`R${x.dst} bitwise operator ${text} on pointer prohibited`, "verify.ptr-bitwise");
  if (code !== BPF_ADD && code !== BPF_SUB)
    env.reject(`R${x.dst} pointer arithmetic with ${text} operator prohibited`, "verify.ptr-arith");
  // The scalar becomes part of a pointer's offset: its exact value matters (kernel
  // adjust_reg_min_max_vals marks it with mark_chain_precision).
  if (!useK) env.markPrecise(dst.type === "scalar" ? x.dst : x.src);
  if (code === BPF_SUB && dst.type === "scalar")
    env.reject(`R${x.dst} tried to subtract pointer from scalar`, "verify.ptr-sub");
  env.setReg(x.dst, ptrMath(env, x.dst, ptr, val, code === BPF_SUB));
}
