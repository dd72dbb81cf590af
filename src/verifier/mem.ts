/**
 * Memory accesses by pointer kind (kernel `check_mem_access`): context fields the program
 * type allows (read-only for sk_reuseport, spec §F), the 512-byte stack with per-byte slot
 * kinds and register spill/fill, map values inside `value_size` for every possible offset,
 * `struct bpf_sock` fields through socket pointers, and packet bytes inside a proven range.
 * Also the stack/map checks that helpers use for their key/value/buffer arguments.
 *
 * Narrow spills: a privileged 4-byte store of a scalar at an 8-byte aligned offset keeps the
 * scalar in the slot's low half (kernel check_stack_write_fixed_off / save_register_state),
 * and an aligned fill of at most the spilled size reads it back truncated
 * (bpf_stack_narrow_access_ok + coerce_reg_to_size). Deliberately absent: 1- and 2-byte
 * spills and spills into a slot's high half (marked as unknown data, which can only make us
 * stricter), BTF pointers and reads of the map structure through `map_ptr`.
 */
import { BPF_SOCK_FIELDS, BPF_SOCK_SIZE } from "../vm/program-type.js";
import { MAX_STACK } from "../vm/isa.js";
import type { RegionKind } from "../vm/facts.js";
import type { Env } from "./env.js";
import {
  isConstScalar,
  isConstZero,
  scalarRange,
  smaxNum,
  smin64,
  sminNum,
  sminUnbounded,
  truncate,
  umaxNum,
  type Scalar,
} from "./scalar.js";
import {
  constReg,
  EMPTY_SLOT,
  mkReg,
  NOT_INIT,
  isPointer,
  scalarReg,
  spillSize,
  UNKNOWN_SCALAR,
  ZERO,
  type Frame,
  type Reg,
  type Slot,
  unlinked,
} from "./state.js";
import { isConst, tnumStr, type Tnum } from "./tnum.js";
import { toBigSigned } from "./pair.js";

export type Access = "read" | "write";

/** The kind of object an access hits: the facts contract's type (the JIT learns it per access). */
export type { RegionKind };

function sizedUnknown(size: number): Reg {
  return size >= 8 ? UNKNOWN_SCALAR : scalarReg(scalarRange(0, 2 ** (size * 8) - 1));
}

// ---- context ----

function checkCtx(env: Env, regno: number, reg: Reg, off: number, size: number, access: Access): Reg {
  if (reg.off !== 0)
    env.reject(
      `dereference of modified ctx ptr R${regno} off=${reg.off} disallowed`,
      "verify.ctx-modified",
      `load ctx fields from the unmodified context pointer: use *(rX +${reg.off + off}) instead of adding ${reg.off} first`,
    );
  if (!isConstZero(reg.s)) env.reject(`variable ctx access var_off=${tnumStr(reg.s.t)} disallowed`, "verify.ctx-var");
  const fields = env.type.ctxFields;
  const f = fields.find((c) => off >= c.offset && off < c.offset + c.size);
  let ok = f !== undefined && (access === "read" || env.type.ctxWritable) && off % size === 0;
  if (ok && f !== undefined) {
    if (f.kind !== "scalar" || f.size === 8) ok = off === f.offset && size === f.size;
    else ok = f.loadSizes.includes(size as 1 | 2 | 4 | 8) && off + size <= f.offset + f.size;
  }
  if (!ok || f === undefined) {
    const known = fields.map((c) => `${c.name}@${c.offset}/${c.loadSizes.join("|")}`).join(", ");
    env.reject(
      `invalid bpf_context access off=${off} size=${size}`,
      "verify.ctx-access",
      access === "write"
        ? `the ${env.type.name} context is read-only`
        : `readable fields (name@offset/sizes): ${known}`,
    );
  }
  switch (f.kind) {
    case "pkt":
      return mkReg("pkt", ZERO, 0, 0, undefined, undefined, 0);
    case "pkt_end":
      return mkReg("pkt_end", ZERO, 0, 0);
    case "sock":
      return mkReg("sock", ZERO, 0, 0);
    case "sock_common_or_null":
      return mkReg("sock_common_or_null", ZERO, 0, env.nextId());
    default:
      return sizedUnknown(size);
  }
}

// ---- struct bpf_sock ----

function sockFieldOk(off: number, size: number, common: boolean): boolean {
  if (off < 0 || off >= BPF_SOCK_SIZE || off % size !== 0) return false;
  // sock_common pointers cannot read type..priority (bpf_sock_common_is_valid_access).
  if (common && off >= 8 && off < 24) return false;
  const f = BPF_SOCK_FIELDS.find((x) => off >= x.offset && off < x.offset + (x.name.endsWith("ip6") ? 16 : x.size));
  if (f === undefined) return false;
  // Measured on 6.18: address fields allow any aligned narrow load; these scalar fields only a
  // narrow load at their first byte; the rest only full 4-byte loads.
  if (f.name.includes("_ip")) return size <= 4;
  if (f.name === "dst_port") return size === 4 ? off === f.offset : size <= 2 && off + size <= f.offset + 2;
  if (["family", "type", "protocol", "src_port", "rx_queue_mapping", "state"].includes(f.name))
    return size <= 4 && off === f.offset;
  return size === 4;
}

function checkSock(env: Env, regno: number, reg: Reg, off: number, size: number, access: Access): Reg {
  if (access === "write") env.reject(`R${regno} cannot write into ${reg.type}`, "verify.sock-write");
  if (reg.off !== 0 || !isConstZero(reg.s))
    env.reject(`dereference of modified ${reg.type} ptr R${regno} off=${reg.off} disallowed`, "verify.sock-modified");
  if (!sockFieldOk(off, size, reg.type === "sock_common"))
    env.reject(
      `R${regno} invalid ${reg.type} access off=${off} size=${size}`,
      "verify.sock-access",
      "see struct bpf_sock in <linux/bpf.h> for the readable fields",
    );
  return sizedUnknown(size);
}

// ---- map values ----

/** base + smin, exact as a number whenever it could be in range (else the correctly rounded value). */
function lowEnd(base: number, s: Scalar): number {
  const v = base + sminNum(s);
  return Math.abs(v) < 2 ** 52 ? v : Number(BigInt(base) + smin64(s));
}

/**
 * Check [off + var, off + var + size) inside the value for every possible var, in the order of
 * the kernel's check_mem_region_access: a negative minimum only when it reaches below the
 * value (reg->off counts), the low end, then "unbounded" (umax >= BPF_MAX_VAR_OFF), the high end.
 */
export function checkMapRange(env: Env, regno: number, reg: Reg, off: number, size: number, zeroOk = false): void {
  const vs = reg.map!.valueSize;
  const s = reg.s;
  const base = reg.off + off;
  const low = lowEnd(base, s);
  if (s.sminH < 0 && (sminUnbounded(s) || low !== (low | 0) || low < 0))
    env.reject(
      `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`,
      "verify.map-neg",
      "make the index unsigned or check it is >= 0 before adding it",
    );
  const varying = !isConstScalar(s);
  const lo = low;
  if (lo < 0 || lo + size > vs || (size === 0 && !zeroOk)) {
    env.extra.push(`R${regno} min value is outside of the allowed memory range`);
    env.reject(
      `invalid access to map value, value_size=${vs} off=${lo} size=${size}`,
      "verify.map-range",
      `the map value is ${vs} bytes; accesses must stay in [0, ${vs})`,
    );
  }
  if (umaxNum(s) >= 2 ** 29)
    env.reject(
      `R${regno} unbounded memory access, make sure to bounds check any such access`,
      "verify.map-unbounded",
      `bound the index, e.g. \`if rX >= ${vs} goto out\` before adding it`,
    );
  const hi = base + umaxNum(s);
  if (hi + size > vs) {
    env.extra.push(`R${regno} max value is outside of the allowed memory range`);
    env.reject(
      `invalid access to map value, value_size=${vs} off=${hi} size=${size}`,
      "verify.map-range",
      varying
        ? `the offset register can reach ${umaxNum(s)}; bound it so that offset + ${size} <= ${vs}`
        : `the map value is ${vs} bytes`,
    );
  }
}

// ---- alignment ----

/** The kernel's tnum_strn: a known value as a number, else "(value; mask)". */
function varOffStr(t: Tnum): string {
  return isConst(t) ? toBigSigned(t.vh, t.vl).toString() : tnumStr(t);
}

/**
 * Is every value of `t + k` a multiple of `size` (a power of two up to 8)? tnum_add with a
 * constant, on the low half only: carries move upwards, so its low bits are exact.
 */
export function alignedAfterAdd(t: Tnum, k: number, size: number): boolean {
  const sv = (t.vl + k) | 0;
  const mu = (((t.ml + sv) | 0) ^ sv) | t.ml;
  return (((sv & ~mu) | mu) & (size - 1)) === 0;
}

/**
 * Kernel check_ptr_alignment: stack accesses must always be naturally aligned (spill
 * tracking relies on it), other pointers only when strict — for Baton, atomics
 * (check_atomic_rmw passes strict_alignment_once). Packet pointers assume NET_IP_ALIGN 2.
 */
function checkAlignment(env: Env, reg: Reg, off: number, size: number, strict: boolean): void {
  if (reg.type === "stack") strict = true;
  if (!strict || size === 1) return;
  if (reg.type === "pkt") {
    if (!alignedAfterAdd(reg.s.t, 2 + reg.off + off, size))
      env.reject(`misaligned packet access off 2+${varOffStr(reg.s.t)}+${reg.off}+${off} size ${size}`, "verify.align");
    return;
  }
  // A scalar's "offset" is its value (a scalar used as an address fails here or as invalid mem).
  const t = reg.s.t;
  if (alignedAfterAdd(t, reg.off + off, size)) return;
  const desc: Partial<Record<Reg["type"], string>> = {
    stack: "stack ",
    map_value: "value ",
    ctx: "context ",
    sock: "sock ",
    sock_common: "sock_common ",
  };
  env.reject(
    `misaligned ${desc[reg.type] ?? ""}access off ${varOffStr(t)}+${reg.off}+${off} size ${size}`,
    reg.type === "stack" ? "verify.stack-align" : "verify.align",
    `${size}-byte ${reg.type === "stack" ? "stack accesses" : "atomic operations"} must be ${size}-byte aligned`,
  );
}

// ---- stack ----

/** Does the scalar's value fit in `size` bytes (kernel get_reg_width(reg) <= 8 * size)? */
function fitsIn(r: Reg, size: number): boolean {
  return size >= 8 || (r.s.umaxH === 0 && r.s.umaxL >>> 0 < 2 ** (size * 8));
}

function slotOf(f: Frame, spi: number): Slot {
  return f.stack[spi] ?? EMPTY_SLOT;
}

function setKinds(kinds: string, from: number, to: number, k: string): string {
  let s = "";
  for (let j = 0; j < 8; j++) s += j >= from && j < to ? k : kinds[j]!;
  return s;
}

function touch(env: Env, f: Frame, depth: number): void {
  if (depth <= f.depth) return;
  f.depth = depth;
  // Frames of nested local calls share the 512 bytes (kernel check_max_stack_depth).
  const frames = env.cur.frames;
  if (frames.length > 1) {
    const total = frames.reduce((sum, fr) => sum + Math.ceil(fr.depth / 8) * 8, 0);
    if (total > MAX_STACK)
      env.reject(
        `combined stack size of ${frames.length} calls is ${total}. Too large`,
        "verify.stack-combined",
        "the stacks of nested local functions add up; use less stack in the callees",
      );
  }
}

export function stackWrite(env: Env, f: Frame, off: number, size: number, value: Reg | "misc"): void {
  touch(env, f, -off);
  const aligned8 = size === 8 && off % 8 === 0;
  if (aligned8 && value !== "misc") {
    const spi = (-off - 1) >> 3;
    // Privileged loaders spill a zero like any scalar (kernel check_stack_write_fixed_off:
    // bpf_capable), which matters to get_constant_map_key; others get zero bytes.
    const zero = value.type === "scalar" && isConstZero(value.s);
    f.stack[spi] =
      zero && env.unprivileged ? { kinds: "00000000", spill: undefined } : { kinds: "rrrrrrrr", spill: value };
    if (!(zero && env.unprivileged)) env.noteStackAccess(f.frameno, spi);
    env.scratchSlot(spi);
    return;
  }
  // Even privileged loaders may only spill a pointer whole (kernel check_stack_write_fixed_off).
  if (value !== "misc" && isPointer(value))
    env.reject(
      "invalid size of register spill",
      "verify.spill-size",
      "spill pointers with an 8-byte store to an 8-byte aligned slot",
    );
  const zeroValue = value !== "misc" && value.type === "scalar" && isConstZero(value.s);
  if (size === 4 && off % 8 === 0 && value !== "misc" && value.type === "scalar" && !env.unprivileged) {
    // Narrow spill into the low half (bytes j = 4..7); the high half keeps its kinds, except
    // that bytes of a previous spill become unknown data (kernel mark_stack_slot_misc).
    // The whole register is kept, as the kernel does; fills truncate it. A link (id) to
    // copies survives only when the value fits in the 32 stored bits (kernel: reg_value_fits).
    const spi = (-off - 1) >> 3;
    const old = slotOf(f, spi);
    const high = old.spill !== undefined ? old.kinds.slice(0, 4).replace(/r/g, "m") : old.kinds.slice(0, 4);
    f.stack[spi] = { kinds: high + "rrrr", spill: fitsIn(value, 4) ? value : unlinked(value) };
    env.noteStackAccess(f.frameno, spi);
    env.scratchSlot(spi);
    return;
  }
  // A privileged 1- or 2-byte store at a slot's first byte is a narrow spill for the kernel,
  // which Baton does not track: unknown data, never zero bytes (a zero key made of such
  // stores is not constant for get_constant_map_key).
  const spillStart = off % 8 === 0 && value !== "misc" && !env.unprivileged;
  const k = zeroValue && !spillStart ? "0" : "m";
  // Per slot, the kind-string positions [a, b) written (position j is the byte at slot top - 1 - j).
  for (let spi = (-off - 1) >> 3; spi >= (-off - size) >> 3; spi--) {
    const top = -8 * spi;
    const a = Math.max(0, top - (off + size));
    const b = Math.min(8, top - off);
    const old = slotOf(f, spi);
    if (old.spill !== undefined && isPointer(old.spill) && env.unprivileged)
      env.reject("attempt to corrupt spilled pointer on stack", "verify.spill-corrupt");
    // Overwriting part of a slot that holds a spill leaves every written byte of it as
    // unknown data, zero bytes included (kernel scrub_spilled_slot).
    const base = old.spill !== undefined ? old.kinds.replace(/[^?]/g, "m") : old.kinds;
    f.stack[spi] = { kinds: setKinds(base, a, b, k), spill: undefined };
    env.scratchSlot(spi);
  }
}

export function stackRead(
  env: Env,
  f: Frame,
  off: number,
  size: number,
  what: "insn" | "helper",
  regno: number,
  fixed = true,
): Reg {
  touch(env, f, -off);
  // The slots the bytes [off, off + size) lie in, as liveness masks.
  let lo = 0;
  let hi = 0;
  for (let spi = (-off - size) >> 3; spi <= (-off - 1) >> 3; spi++) {
    if (spi < 32) lo |= 1 << spi;
    else hi |= 1 << (spi - 32);
  }
  env.stackReadMark(f.frameno, lo, hi);
  if (off % 8 === 0) {
    const slot = slotOf(f, (-off - 1) >> 3);
    const n = spillSize(slot);
    const spi = (-off - 1) >> 3;
    if (size === 8 && n === 8) {
      if (what === "insn") env.noteStackAccess(f.frameno, spi);
      return slot.spill!;
    }
    // A narrow fill from the start of a scalar spill reads the spilled value truncated; it
    // stays linked to the spill only when truncation changes nothing (kernel: narrowing fill).
    const sp = slot.spill;
    if (what === "insn" && size <= n && sp !== undefined && sp.type === "scalar") {
      env.noteStackAccess(f.frameno, spi);
      return scalarReg(truncate(sp.s, size), fitsIn(sp, size) && sp.delta === undefined ? sp.id : 0);
    }
  }
  let allZero = true;
  // Bytes of a spilled constant zero read back as zero too, but only when every byte read
  // is one of them (kernel check_stack_read_fixed_off: spill_cnt == size).
  let allSpillZero = fixed;
  let first = true;
  for (let i = 0; i < size; i++) {
    const a = off + i;
    const slot = slotOf(f, (-a - 1) >> 3);
    const k = slot.kinds[(-a - 1) & 7]!;
    if (k === "r" && slot.spill !== undefined && isPointer(slot.spill) && what === "insn") {
      env.reject(
        "invalid size of register fill",
        "verify.fill-size",
        "read a spilled pointer back with an 8-byte load from its slot",
      );
    }
    if (k === "?" && env.unprivileged && first) {
      first = false;
      const msg =
        what === "insn"
          ? `invalid read from stack off ${off}+${i} size ${size}`
          : `invalid indirect read from stack R${regno} off ${off}+${i} size ${size}`;
      env.reject(msg, "verify.stack-uninit", `write the stack bytes [${off}, ${off + size}) before reading them`);
    }
    if (k !== "0") allZero = false;
    if (k !== "r" || slot.spill === undefined || slot.spill.type !== "scalar" || !isConstZero(slot.spill.s))
      allSpillZero = false;
  }
  if (allZero || allSpillZero) return constReg(0);
  return sizedUnknown(size);
}

/**
 * Bounds of a stack access (kernel check_stack_access_within_bounds); returns the fixed
 * offset relative to that frame's fp, or NaN for a variable offset (whose whole range was
 * checked). Alignment was checked before (checkAlignment), as the kernel does.
 */
function checkStackBounds(env: Env, regno: number, reg: Reg, insnOff: number, size: number, access: Access): number {
  const varOff = reg.s;
  const off = reg.off + insnOff;
  const what = access === "read" ? " read from" : " write to";
  if (!isConstScalar(varOff)) {
    if (smaxNum(varOff) >= 2 ** 29 || sminNum(varOff) <= -(2 ** 29))
      env.reject(`invalid unbounded variable-offset${what} stack R${regno}`, "verify.stack-range");
    const lo = off + sminNum(varOff);
    const hi = off + smaxNum(varOff);
    if (lo < -MAX_STACK || hi + size > 0)
      env.reject(
        `invalid variable-offset${what} stack R${regno} var_off=${tnumStr(varOff.t)} off=${off} size=${size}`,
        "verify.stack-range",
      );
    return Number.NaN;
  }
  const total = off + sminNum(varOff);
  if (total < -MAX_STACK || total + size > 0 || size === 0)
    env.reject(
      `invalid${what} stack R${regno} off=${total} size=${size}`,
      "verify.stack-range",
      `stack accesses must stay in [r10 - ${MAX_STACK}, r10)`,
    );
  return total;
}

function frameOf(env: Env, reg: Reg): Frame {
  return env.cur.frames[reg.frame ?? env.cur.frames.length - 1]!;
}

function checkStack(
  env: Env,
  regno: number,
  reg: Reg,
  off: number,
  size: number,
  access: Access,
  value: Reg | "misc",
  noDst: boolean,
): Reg {
  const f = frameOf(env, reg);
  const total = checkStackBounds(env, regno, reg, off, size, access);
  if (Number.isNaN(total)) {
    // Variable offset: every byte in the range may be touched.
    const lo = reg.off + off + sminNum(reg.s);
    const hi = reg.off + off + smaxNum(reg.s) + size;
    if (access === "write") {
      stackWrite(env, f, lo, hi - lo, "misc");
      return NOT_INIT;
    }
    // A read that fills no register (an atomic's first check) must have a fixed offset so as
    // not to leak pointers (kernel check_stack_read; the message names helpers).
    if (noDst)
      env.reject(
        `variable offset stack pointer cannot be passed into helper function; var_off=${tnumStr(reg.s.t)} off=${reg.off + off} size=${size}`,
        "verify.stack-var",
      );
    // All-zero bytes read as 0, anything else as unknown (kernel mark_reg_stack_read).
    const v = stackRead(env, f, lo, hi - lo, "insn", regno, false);
    return v.type === "scalar" && isConstZero(v.s) ? v : sizedUnknown(size);
  }
  if (access === "write") {
    // Pointers into a stack may only be kept in the current frame's stack: a caller's slot
    // would outlive the callee's frame (kernel check_stack_write_fixed_off).
    if (value !== "misc" && value.type === "stack" && f !== env.frame && size === 8)
      env.reject(
        "cannot spill pointers to stack into stack frame of the caller",
        "verify.spill-stack-ptr",
        "pass values, not pointers to the callee's own stack, back to the caller",
      );
    stackWrite(env, f, total, size, value);
    // A whole aligned slot overwritten: what it held before is dead (kernel bpf_mark_stack_write).
    if (size === 8 && total % 8 === 0) env.stackWriteMark(f.frameno, (-total - 1) >> 3);
    return NOT_INIT;
  }
  return stackRead(env, f, total, size, "insn", regno);
}

/**
 * A helper's memory argument: `size` bytes at `reg` (stack, map value or packet), read
 * (keys, values: must be initialized for unprivileged loads) or written (buffers).
 * A bounded variable stack offset is allowed (privileged only: the ALU refuses such pointers
 * otherwise); every byte it can reach is checked (kernel check_stack_range_initialized).
 */
export function checkHelperMem(env: Env, regno: number, reg: Reg, size: number, access: Access, zeroOk: boolean): void {
  if (reg.type === "stack") {
    const total = checkStackBounds(env, regno, reg, 0, Math.max(size, 1), access);
    const f = frameOf(env, reg);
    if (size === 0) return;
    const lo = Number.isNaN(total) ? reg.off + sminNum(reg.s) : total;
    const n = Number.isNaN(total) ? smaxNum(reg.s) - sminNum(reg.s) + size : size;
    // A variable-offset write is recorded as unknown data over the whole range (the kernel
    // leaves such bytes as they were, which can only make Baton stricter, never unsound).
    if (access === "write") stackWrite(env, f, lo, n, "misc");
    else stackRead(env, f, lo, n, "helper", regno);
    return;
  }
  if (reg.type === "map_value") return checkMapRange(env, regno, reg, 0, size, zeroOk);
  if (reg.type === "pkt") {
    if (access === "write") env.reject("cannot write into packet", "verify.pkt-write");
    return checkPkt(env, regno, reg, 0, size);
  }
}

// ---- packet ----

function checkPkt(env: Env, regno: number, reg: Reg, off: number, size: number): void {
  const s = reg.s;
  if (s.sminH < 0)
    env.reject(
      `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`,
      "verify.pkt-neg",
    );
  const lo = reg.off + off + sminNum(s);
  const hi = reg.off + off + umaxNum(s);
  const r = reg.range ?? 0;
  if (lo < 0 || hi + size > r) {
    env.extra.push(`R${regno} offset is outside of the packet`);
    // The kernel prints the access offset (reg->off included) twice (__check_mem_access).
    env.reject(
      `invalid access to packet, off=${reg.off + off} size=${size}, R${regno}(id=${reg.id},off=${reg.off + off},r=${r})`,
      "verify.pkt-range",
      "compare data + N with data_end before reading N bytes of the packet",
    );
  }
}

export interface MemAccessOptions {
  /** Natural alignment for every pointer kind (atomics: kernel strict_alignment_once). */
  readonly strictAlign?: boolean;
  /** A read whose value goes to no register (an atomic's first check: value_regno -1). */
  readonly noDst?: boolean;
}

const NO_OPTS: MemAccessOptions = {};

/**
 * Check a load or store through `regno` at `off`; returns the loaded value for reads and
 * leaves the kind of object accessed in `env.accessKind` (for the JIT's facts).
 * `value` is the stored register (or "misc" for atomics and imm stores).
 */
export function checkMemAccess(
  env: Env,
  regno: number,
  off: number,
  size: number,
  access: Access,
  value: Reg | "misc",
  opts: MemAccessOptions = NO_OPTS,
): Reg {
  const reg = env.readReg(regno);
  checkAlignment(env, reg, off, size, opts.strictAlign === true);
  switch (reg.type) {
    case "ctx":
      env.accessKind = "ctx";
      return checkCtx(env, regno, reg, off, size, access);
    case "stack":
      env.accessKind = "stack";
      return checkStack(env, regno, reg, off, size, access, value, opts.noDst === true);
    case "map_value":
      if (access === "write" && value !== "misc" && isPointer(value) && env.unprivileged)
        env.reject(`R${regno} leaks addr into map`, "verify.ptr-leak");
      checkMapRange(env, regno, reg, off, size);
      env.accessKind = "map_value";
      return sizedUnknown(size);
    case "sock":
    case "sock_common":
      env.accessKind = "sock";
      return checkSock(env, regno, reg, off, size, access);
    case "pkt":
      if (access === "write")
        env.reject(
          "cannot write into packet",
          "verify.pkt-write",
          `${env.type.name} programs may only read the packet`,
        );
      checkPkt(env, regno, reg, off, size);
      env.accessKind = "pkt";
      return sizedUnknown(size);
    default: {
      const hint =
        reg.type === "map_value_or_null"
          ? `compare R${regno} with 0 before reading the map value (bpf_map_lookup_elem returns NULL when the key is absent)`
          : reg.type === "sock_common_or_null"
            ? `compare R${regno} with 0 first: migrating_sk is NULL outside migration`
            : reg.type === "scalar"
              ? `R${regno} holds a number, not a pointer`
              : undefined;
      env.reject(`R${regno} invalid mem access '${reg.type}'`, "verify.invalid-mem", hint);
    }
  }
}
