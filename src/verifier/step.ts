/**
 * One instruction's checks and effect on the current state (the kernel's `do_check_insn`):
 * ALU, loads, stores, atomics, `lddw`, calls and exits. Conditional jumps are evaluated here
 * too, but the exploration loop (verify.ts) decides what to do with their two sides.
 * Facts for the JIT are recorded through `facts` (facts-record.ts).
 */
import {
  ATOMIC_OPS,
  BPF_CMPXCHG,
  BPF_FETCH,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_VALUE,
  MAX_CALL_DEPTH,
  OP_DESC,
  Op,
  jumpTarget,
} from "../vm/isa.js";
import { BPF_MAP_TYPE_ARRAY } from "../vm/program-type.js";
import type { MapSpec } from "../vm/map-spec.js";
import { checkAlu } from "./alu.js";
import type { Env } from "./env.js";
import type { FactsRecorder } from "./facts-record.js";
import { formatReg } from "./format.js";
import { checkHelperCall } from "./helpers.js";
import { checkCondJump, type JumpOutcome } from "./jumps.js";
import { checkMemAccess, type RegionKind } from "./mem.js";
import type { OwnInsn } from "./own-insns.js";
import {
  isConstScalar,
  isConstZero,
  scalarConstHL,
  sext,
  smax64,
  smin64,
  sminNum,
  truncate,
  type Scalar,
} from "./scalar.js";
import {
  constReg,
  isPointer,
  mkReg,
  newFrame,
  NOT_INIT,
  scalarReg,
  UNKNOWN_SCALAR,
  unlinked,
  withId,
  ZERO,
  type Reg,
} from "./state.js";

/** What an instruction did to control flow. */
export type StepOutcome =
  /** Continue at i + 1 (one shared object: most instructions). */
  | { readonly kind: "seq" }
  /** Continue at `next` (i + 2 after lddw, a jump or call target, a return address). */
  | { readonly kind: "next"; readonly next: number }
  /** The path ended at the main program's `exit`. */
  | { readonly kind: "end" }
  /** A conditional jump: the states on each side (null where a side cannot happen). */
  | { readonly kind: "branch"; readonly target: number; readonly out: JumpOutcome };

export interface StepOptions {
  readonly strict: boolean;
  readonly warn: (insn: number, message: string) => void;
}

/**
 * Does storing a zero register through `base` + `off` leave zero bytes rather than a spill?
 * Privileged stores at a slot's first byte spill (mem.ts stackWrite, kernel
 * check_stack_write_fixed_off); other stores to the stack write zero bytes.
 */
function zeroBytes(base: Reg, off: number): boolean {
  if (base.type !== "stack") return false;
  return !slotStart(base, off);
}

/** Is a scalar store through `base` + `off` a spill (privileged, at a slot's first byte)? */
function spills(env: Env, base: Reg, off: number): boolean {
  return !env.unprivileged && base.type === "stack" && slotStart(base, off);
}

/** Does the value fit in `size` bytes (umax below 2^(8 size))? */
const fits = (s: Scalar, size: number): boolean => size >= 8 || (s.umaxH === 0 && s.umaxL >>> 0 < 2 ** (size * 8));

/** Does a stack access through `base` + `off` start a slot at a fixed offset? */
function slotStart(base: Reg, off: number): boolean {
  return isConstScalar(base.s) && (base.off + off + sminNum(base.s)) % 8 === 0;
}

const SEQ: StepOutcome = { kind: "seq" };

/** Check instruction `i` against `env.cur` and apply its effect. */
export function checkInsn(
  env: Env,
  insns: readonly OwnInsn[],
  i: number,
  facts: FactsRecorder,
  opts: StepOptions,
): StepOutcome {
  const x = insns[i]!;
  const d = OP_DESC[x.op]!;
  switch (d.kind) {
    case "alu":
    case "end":
      checkAlu(env, x);
      break;
    case "ldx":
    case "ldxsx": {
      const size = d.width;
      let v: Reg = checkMemAccess(env, x.src, x.off, size, "read", "misc");
      const kind = env.accessKind;
      if (d.signed && v.type === "scalar" && size < 8) v = scalarReg(sext(v.s, size as 1 | 2 | 4));
      env.setReg(x.dst, v);
      facts.record(i, kind);
      break;
    }
    case "st": {
      const value = constReg(x.imm);
      checkMemAccess(env, x.dst, x.off, d.width, "write", value);
      facts.record(i, env.accessKind);
      break;
    }
    case "atomic": {
      env.readReg(x.src);
      facts.record(i, atomic(env, x, d.width));
      break;
    }
    case "stx": {
      const size = d.width;
      let value = env.readReg(x.src);
      // Zeroes written to the stack are kept as zero bytes, which no history entry follows
      // back: the register that held them must be exact (kernel: STACK_ZERO marks precision).
      if (value.type === "scalar" && isConstZero(value.s) && zeroBytes(env.reg(x.dst), x.off)) env.markPrecise(x.src);
      // A spill links the slot with the register, so a branch on a later fill narrows both
      // (kernel assign_scalar_id_before_mov, when the value fits the stored bytes).
      if (
        spills(env, env.reg(x.dst), x.off) &&
        value.type === "scalar" &&
        value.delta !== undefined &&
        fits(value.s, size)
      ) {
        value = unlinked(value);
        env.frame.regs[x.src] = value;
      }
      if (
        spills(env, env.reg(x.dst), x.off) &&
        value.type === "scalar" &&
        value.id === 0 &&
        !isConstScalar(value.s) &&
        fits(value.s, size)
      ) {
        value = withId(value, env.nextId());
        env.frame.regs[x.src] = value;
      }
      checkMemAccess(env, x.dst, x.off, size, "write", value);
      facts.record(i, env.accessKind);
      break;
    }
    case "ldabs":
      return env.reject("BPF_LD_[ABS|IND] instructions not allowed for this program type", "verify.ldabs");
    case "lddw":
      env.setReg(x.dst, lddw(env, x));
      return { kind: "next", next: i + 2 };
    case "exit":
      return exitInsn(env, opts.strict, (w) => opts.warn(i, w));
    case "ja":
      return { kind: "next", next: jumpTarget(x, i)! };
    case "callx":
      // The kernel's do_check does not know a call through a register.
      return env.reject(`unknown opcode ${x.opcode.toString(16)}`, "verify.opcode");
    case "call":
      if (x.op === Op.CALL_LOCAL) return { kind: "next", next: localCall(env, i, jumpTarget(x, i)!) };
      // A kfunc, or a call kind the RFC does not define (`opOf` names it a helper call).
      if (x.op === Op.CALL_KFUNC || x.src !== 0)
        env.reject(
          `unsupported call kind src=${x.src} (kfuncs are not available to ${env.type.name} in Baton)`,
          "verify.kfunc",
        );
      checkHelperCall(env, x);
      facts.call(i, env.type.helpers.get(x.imm));
      break;
    case "jmp":
      return { kind: "branch", target: jumpTarget(x, i)!, out: checkCondJump(env, x) };
  }
  return SEQ;
}

/**
 * An atomic read-modify-write, in the order of the kernel's check_atomic_rmw: operands
 * readable, no pointer leaks (unprivileged), no ctx/packet/socket target, the fetch register
 * clobbered before the address is checked (so `lock cmpxchg [r0]` addresses an unknown
 * scalar), then a read without destination, the fetch, and the write — all with natural
 * alignment whatever the pointer kind (strict_alignment_once).
 */
function atomic(env: Env, x: OwnInsn, size: number): RegionKind {
  // The kernel's check_atomic: anything but the known operations (isa.ts ATOMIC_OPS) is refused.
  if (!ATOMIC_OPS.has(x.imm))
    env.reject(
      `BPF_ATOMIC uses invalid atomic opcode ${(x.imm >>> 0).toString(16).padStart(2, "0")}`,
      "verify.atomic-op",
    );
  const cmpxchg = x.imm === BPF_CMPXCHG;
  if (cmpxchg) {
    const r0 = env.readReg(0);
    if (isPointer(r0) && env.unprivileged) env.reject("R0 leaks addr into mem", "verify.ptr-leak");
  }
  if (isPointer(env.reg(x.src)) && env.unprivileged) env.reject(`R${x.src} leaks addr into mem`, "verify.ptr-leak");
  const base = env.reg(x.dst);
  if (base.type === "ctx" || base.type === "pkt" || base.type === "sock" || base.type === "sock_common")
    env.reject(`BPF_ATOMIC stores into R${x.dst} ${base.type} is not allowed`, "verify.atomic-target");
  const fetchReg = x.imm & BPF_FETCH ? (cmpxchg ? 0 : x.src) : -1;
  if (fetchReg >= 0) env.setReg(fetchReg, UNKNOWN_SCALAR);
  checkMemAccess(env, x.dst, x.off, size, "read", "misc", { strictAlign: true, noDst: true });
  if (fetchReg >= 0) {
    const reg = checkMemAccess(env, x.dst, x.off, size, "read", "misc", { strictAlign: true });
    env.setReg(fetchReg, reg.type === "scalar" && size === 4 ? scalarReg(truncate(reg.s, 4)) : reg);
  }
  checkMemAccess(env, x.dst, x.off, size, "write", "misc", { strictAlign: true });
  return env.accessKind;
}

/**
 * The map-dependent checks of one `lddw` (kernel resolve_pseudo_ldimm64, which runs over every
 * instruction, dead ones included, before verification): the fd names a map, and a direct
 * value address exists (only single-element arrays: array_map_direct_value_addr).
 */
function resolveLddw(env: Env, x: OwnInsn): MapSpec | undefined {
  if (x.src === 0) return undefined;
  if (x.src !== BPF_PSEUDO_MAP_FD && x.src !== BPF_PSEUDO_MAP_VALUE)
    return env.reject("unrecognized bpf_ld_imm64 insn", "verify.lddw-src");
  const map = env.maps.get(x.imm);
  if (map === undefined)
    env.reject(
      `fd ${x.imm} is not pointing to valid bpf_map`,
      "verify.unknown-map",
      `declare it: --map ${x.imm}:TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES`,
    );
  if (!env.type.mapTypes.includes(map.type))
    env.reject(`map type ${map.type} is not allowed for ${env.type.name} programs`, "verify.map-type");
  if (x.src === BPF_PSEUDO_MAP_VALUE) {
    const off = x.imm2 >>> 0;
    if (off >= 1 << 29) env.reject(`direct value offset of ${off} is not allowed`, "verify.map-range");
    if (map.type !== BPF_MAP_TYPE_ARRAY)
      env.reject(
        "no direct value access support for this map type",
        "verify.map-direct",
        "only single-element ARRAY maps have a direct value address",
      );
    if (off >= map.valueSize || map.maxEntries !== 1)
      env.reject(`invalid access to map value pointer, value_size=${map.valueSize} off=${off}`, "verify.map-range");
  }
  return map;
}

/**
 * Resolve every `lddw` of the program up front, as the kernel does before its control-flow
 * checks (resolve_pseudo_ldimm64): an unknown map fd is an error even in dead code.
 * To be called once before checkCfg; rejects through `env` at the offending instruction.
 */
export function resolveAllLddw(env: Env, insns: readonly OwnInsn[]): void {
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i]!;
    if (x.op !== Op.LDDW) continue;
    env.insnIdx = i;
    resolveLddw(env, x);
    i++;
  }
  env.insnIdx = 0;
}

function lddw(env: Env, x: OwnInsn): Reg {
  const map = resolveLddw(env, x);
  if (map === undefined) return scalarReg(scalarConstHL(x.imm2, x.imm));
  if (x.src === BPF_PSEUDO_MAP_FD) return mkReg("map_ptr", ZERO, 0, 0, map);
  return mkReg("map_value", ZERO, x.imm2, 0, map);
}

function localCall(env: Env, i: number, target: number): number {
  if (env.cur.frames.length >= MAX_CALL_DEPTH)
    env.reject(`the call stack of ${env.cur.frames.length + 1} frames is too deep`, "verify.call-depth");
  const caller = env.frame;
  const callee = newFrame(env.cur.frames.length, i);
  for (let r = 1; r <= 5; r++) callee.regs[r] = caller.regs[r]!;
  // The caller's r0-r5 are scratched by the call (kernel clear_caller_saved_regs), already
  // while the callee runs: states inside the callee compare them as unset.
  for (let r = 0; r <= 5; r++) caller.regs[r] = NOT_INIT;
  env.cur.frames.push(callee);
  return target;
}

/** `exit`: return to the caller frame, or end the path after the return-value checks. */
function exitInsn(env: Env, strict: boolean, warn: (msg: string) => void): StepOutcome {
  const frames = env.cur.frames;
  if (frames.length > 1) {
    // The kernel lets a function return without setting r0; the caller then cannot read it.
    const r0 = env.frame.regs[0]!;
    const callee = frames[frames.length - 1]!;
    // Any stack pointer, also one into the caller's own stack (kernel prepare_func_exit).
    if (r0.type === "stack")
      env.reject(
        "cannot return stack pointer to the caller",
        "verify.ret-stack",
        "return a value, or write the result through a pointer argument",
      );
    frames.pop();
    const caller = frames[frames.length - 1]!;
    caller.regs[0] = r0;
    for (let r = 1; r <= 5; r++) caller.regs[r] = NOT_INIT;
    env.scratchReg(0);
    return { kind: "next", next: callee.callsite + 1 };
  }
  const r0 = env.readReg(0);
  const [lo, hi] = env.type.retRange;
  const pass = `any value other than SK_PASS (${hi}) refuses the connection`;
  if (isPointer(r0)) {
    // Only unprivileged loaders are refused a pointer return by the kernel (pointer leak).
    if (strict || env.unprivileged)
      env.reject(
        "R0 leaks addr as return value",
        "verify.ret-pointer",
        `return ${lo} or ${hi}, not a pointer (${formatReg(r0)})`,
      );
    warn(`R0 is a pointer (${formatReg(r0)}) at exit; ${pass}`);
    return { kind: "end" };
  }
  const smin = smin64(r0.s);
  const smax = smax64(r0.s);
  if (smin < BigInt(lo) || smax > BigInt(hi)) {
    if (strict || env.type.retRangeEnforced) {
      let what = "";
      if (smin > -(1n << 63n)) what += ` smin=${smin}`;
      if (smax < (1n << 63n) - 1n) what += ` smax=${smax}`;
      if (what === "") what = " unknown scalar value";
      env.reject(
        `At program exit the register R0 has${what} should have been in [${lo}, ${hi}]`,
        "verify.ret-range",
        `${env.type.name} programs return SK_PASS (1) or SK_DROP (0); e.g. end with \`if r0 != 0 goto drop\`…`,
      );
    }
    // An example out-of-range value: the nearest one above the range, else the lowest.
    const above = smax > BigInt(hi);
    const example = above ? (smin > BigInt(hi) ? smin : BigInt(hi) + 1n) : smin;
    warn(`R0 ${smin === smax ? "is" : "may be"} ${example} at exit; ${pass}`);
  }
  return { kind: "end" };
}
