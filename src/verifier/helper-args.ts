/**
 * Helper argument kinds beyond the memory/map/ctx ones checked inline in helpers.ts: the
 * fixed-size `long *res` of strtol/strtoul, constant strings, and the kinds that need
 * something Baton's registers never hold (BTF pointers, dynptrs, ring buffer memory, function
 * pointers, BTF-described map values). For those the kernel's own type check already fails
 * for every register Baton can produce, so Baton rejects with the kernel's message
 * (check_reg_type, process_spin_lock, process_timer_func, process_dynptr_func,
 * check_reg_const_str in kernel/bpf/verifier.c). Where the kernel would accept something
 * Baton cannot model (a dynptr on the stack, a BTF pointer a helper returns), Baton rejects
 * with a message that says so (test/verifier/KNOWN_DIFFERENCES.md).
 */
import type { MapSpec } from "../vm/map-spec.js";
import type { ArgType, HelperProto } from "../vm/program-type.js";
import { CALLBACKS_NOT_VERIFIED } from "./callbacks.js";
import type { Env } from "./env.js";
import { checkHelperMem } from "./mem.js";
import { isConstScalar, isConstZero, scalarOf, sync } from "./scalar.js";
import { toBigSigned } from "./pair.js";
import { scalarReg, UNKNOWN_SCALAR, type Reg } from "./state.js";
import { TNUM_UNKNOWN, isConst, tnumAdd, tnumConst, tnumStr, type Tnum } from "./tnum.js";

/** The kernel's compatible types for ARG_PTR_TO_MEM and friends (`mem_types`), as it prints them. */
export const MEM_TYPES = "fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_";

const typeName = (r: Reg): string => (r.type === "stack" ? "fp" : r.type);

const BPF_F_RDONLY_PROG = 0x80;
const BPF_F_WRONLY_PROG = 0x100;

/**
 * A helper's memory argument: the map's program-side access flags first
 * (check_helper_mem_access -> check_map_access_type), then the bounds and stack rules.
 */
export function helperMem(
  env: Env,
  regno: number,
  r: Reg,
  size: number,
  access: "read" | "write",
  zeroOk: boolean,
): void {
  if (r.type === "map_value" && r.map !== undefined) {
    const flags = r.map.flags ?? 0;
    if (access === "write" && (flags & BPF_F_RDONLY_PROG) !== 0)
      env.reject(
        `write into map forbidden, value_size=${r.map.valueSize} off=${r.off} size=${size}`,
        "verify.map-rdonly",
        "the map is BPF_F_RDONLY_PROG: programs may only read it",
      );
    if (access === "read" && (flags & BPF_F_WRONLY_PROG) !== 0)
      env.reject(
        `read from map forbidden, value_size=${r.map.valueSize} off=${r.off} size=${size}`,
        "verify.map-wronly",
        "the map is BPF_F_WRONLY_PROG: programs may only write it",
      );
  }
  checkHelperMem(env, regno, r, size, access, zeroOk);
}

/** A scalar known to be 0: what the kernel accepts as NULL for a PTR_MAYBE_NULL argument. */
export function isNullScalar(r: Reg): boolean {
  return r.type === "scalar" && isConstZero(r.s);
}

function mismatch(env: Env, regno: number, r: Reg, expected: string): never {
  return env.reject(
    `R${regno} type=${typeName(r)} expected=${expected}`,
    "verify.helper-arg",
    `argument ${regno} must be ${expected.split(",")[0]}`,
  );
}

/** An argument the kernel checks against a BTF field of the map value: Baton's maps have no BTF. */
function needsBtf(env: Env, regno: number, r: Reg, expected: string, helper: string, why: string): never {
  if (r.type !== "map_value") mismatch(env, regno, r, expected);
  return env.reject(
    `map '${r.map?.name ?? ""}' has to have BTF in order to use ${helper}`,
    "verify.no-btf",
    `Baton's maps carry no BTF, so ${why}`,
  );
}

/** tnum_strn: a constant prints as a decimal, anything else as (value; mask). */
function tnumText(t: Tnum): string {
  return isConst(t) ? toBigSigned(t.vh, t.vl).toString() : tnumStr(t);
}

/**
 * ARG_PTR_TO_FIXED_SIZE_MEM | MEM_UNINIT | MEM_WRITE | MEM_ALIGNED with arg_size 8 (strtol,
 * strtoul): 8 writable bytes (check_helper_mem_access), then natural alignment of the pointer
 * whatever the alignment mode (check_ptr_alignment with strict = true).
 */
export function checkLongOut(env: Env, regno: number, r: Reg): void {
  if (r.type !== "stack" && r.type !== "map_value" && r.type !== "pkt") mismatch(env, regno, r, MEM_TYPES);
  helperMem(env, regno, r, 8, "write", false);
  const at = tnumAdd(r.s.t, tnumConst(r.off >> 31, r.off));
  if (((at.vl | at.ml) & 7) !== 0) {
    const desc = r.type === "stack" ? "stack " : "value ";
    env.reject(
      `misaligned ${desc}access off ${tnumText(r.s.t)}+${r.off}+0 size 8`,
      "verify.misaligned",
      "the result pointer of strtol/strtoul must be 8-byte aligned",
    );
  }
}

/**
 * ARG_PTR_TO_CONST_STR (check_reg_const_str): a pointer into a map value of a map that is
 * read-only for programs *and* frozen. Baton's maps (and the kernel bridge's) are never
 * frozen, so every such map is refused as the kernel refuses it.
 */
export function checkConstStr(env: Env, regno: number, r: Reg): void {
  if (r.type !== "map_value") mismatch(env, regno, r, "map_value");
  env.reject(
    `R${regno} does not point to a readonly map'`,
    "verify.const-str",
    "a constant string must live in a frozen BPF_F_RDONLY_PROG map (a .rodata section), which Baton's maps are not",
  );
}

/** The kinds only BTF, dynptrs, ring buffers or callbacks can satisfy. */
export function checkUnmodelledArg(
  env: Env,
  regno: number,
  r: Reg,
  kind: ArgType,
  proto: HelperProto,
  map: MapSpec | undefined,
): void {
  const full = `bpf_${proto.name}#${proto.id}`;
  switch (kind) {
    case "btf_id":
    case "btf_id_release":
      mismatch(env, regno, r, "ptr_, trusted_ptr_, rcu_ptr_");
      break;
    case "btf_id_or_null":
      if (!isNullScalar(r)) mismatch(env, regno, r, "ptr_, trusted_ptr_, rcu_ptr_");
      break;
    case "percpu_btf_id":
      mismatch(env, regno, r, "percpu_ptr_, percpu_rcu_ptr_, percpu_trusted_ptr_");
      break;
    case "spin_lock":
      needsBtf(env, regno, r, "map_value, ptr_", "bpf_spin_lock", "they cannot hold a bpf_spin_lock");
      break;
    case "timer":
      needsBtf(env, regno, r, "map_value", "bpf_timer", "they cannot hold a bpf_timer");
      break;
    case "kptr_dest":
      needsBtf(env, regno, r, "map_value, ptr_", "bpf_kptr_xchg", "they hold no kptr fields");
      break;
    case "ringbuf_mem_release":
      mismatch(env, regno, r, "ringbuf_mem");
      break;
    case "dynptr":
      if (r.type !== "stack") mismatch(env, regno, r, "fp, dynptr_ptr");
      // No dynptr can exist in Baton (dynptr_from_mem is refused below); process_dynptr_func
      // numbers the argument from 0.
      env.reject(
        `Expected an initialized dynptr as arg #${regno - 1}`,
        "verify.dynptr",
        "Baton's verifier does not model dynptrs",
      );
      break;
    case "dynptr_release":
      if (r.type !== "stack") mismatch(env, regno, r, "fp, dynptr_ptr");
      env.reject(
        `arg ${regno} is an unacquired reference`,
        "verify.dynptr",
        "only a dynptr from bpf_ringbuf_reserve_dynptr can be submitted or discarded",
      );
      break;
    case "dynptr_uninit":
      // A stack slot the helper makes a dynptr of: refused in checkAfterArgs.
      if (r.type !== "stack") mismatch(env, regno, r, "fp, dynptr_ptr");
      break;
    case "func":
      // Only `lddw src=4` makes a function pointer, and Baton refuses that instruction before
      // any call (the kernel too, without BTF func_info). Nothing reaches the callback check.
      if ((r.type as string) === "func") env.reject(CALLBACKS_NOT_VERIFIED, "verify.callback");
      mismatch(env, regno, r, "func");
      break;
    case "stack_or_null":
      if (!isNullScalar(r) && r.type !== "stack") mismatch(env, regno, r, "fp");
      break;
    case "map_value_uninit":
    case "map_value_or_null":
      if (kind === "map_value_or_null" && isNullScalar(r)) break;
      if (r.type !== "stack" && r.type !== "map_value" && r.type !== "pkt") mismatch(env, regno, r, MEM_TYPES);
      if (map === undefined) env.reject("invalid map_ptr to access map->value", "verify.helper-arg");
      helperMem(env, regno, r, map.valueSize, kind === "map_value_uninit" ? "write" : "read", false);
      break;
    case "const_alloc_size_or_zero":
      if (r.type !== "scalar" || !isConstScalar(r.s))
        env.reject(`R${regno} is not a known constant'`, "verify.helper-arg");
      break;
    default:
      env.reject(`internal error: argument kind ${kind} of ${full} has no check`, "verify.internal");
  }
}

/**
 * What check_helper_call checks once every argument and the map passed: bpf_dynptr_from_mem's
 * data must be a map value; then a call that would create a dynptr is refused, since Baton's
 * stack has no dynptr slots (the kernel accepts it).
 */
export function checkAfterArgs(env: Env, proto: HelperProto): void {
  if (!proto.args.includes("dynptr_uninit")) return;
  const data = env.reg(1);
  if (proto.name === "dynptr_from_mem" && data.type !== "map_value")
    env.reject(
      `Unsupported reg type ${typeName(data)} for bpf_dynptr_from_mem data`,
      "verify.dynptr",
      "bpf_dynptr_from_mem takes its data from a map value",
    );
  env.reject(
    `bpf_${proto.name}#${proto.id}: dynptrs are not modelled by Baton's verifier (the kernel accepts this call)`,
    "verify.unmodelled",
    "see test/verifier/KNOWN_DIFFERENCES.md",
  );
}

/** Returns Baton's verifier has no register type for (BTF pointers, ring buffer memory). */
export function rejectUnmodelledReturn(env: Env, proto: HelperProto): never {
  const what = proto.ret.startsWith("btf_id")
    ? `a BTF pointer to ${proto.btfStruct ?? "a kernel object"}`
    : "a pointer to kernel memory";
  return env.reject(
    `bpf_${proto.name}#${proto.id} returns ${what}, which Baton's verifier does not model (the kernel accepts this call)`,
    "verify.unmodelled",
    "see test/verifier/KNOWN_DIFFERENCES.md",
  );
}

/**
 * CONFIG_NR_CPUS can be at most 8192: the kernel bounds get_smp_processor_id by the loading
 * machine's nr_cpu_ids, which Baton cannot know, so it assumes the largest (never looser than a
 * kernel, stricter than one on a small machine: test/verifier/KNOWN_DIFFERENCES.md).
 */
export const NR_CPUS_MAX = 8192;
const MAX_ERRNO = 4095;
const HELPER_SMP_PROCESSOR_ID = 8;
/** Helpers whose result is at most the size argument (get_stack, get_task_stack, probe_read*_str). */
const SIZE_BOUNDED = new Set([67, 141, 45, 114, 115]);

/**
 * r0 after a helper returning an integer (kernel do_refine_retval_range): the CPU id in
 * [0, nr_cpu_ids - 1]; a string or stack copy's length in [-MAX_ERRNO, size]; anything
 * else unknown.
 */
export function refinedReturn(id: number, msizeMax: number): Reg {
  if (id === HELPER_SMP_PROCESSOR_ID) {
    const max = NR_CPUS_MAX - 1;
    return scalarReg(sync(scalarOf(TNUM_UNKNOWN, [0, 0], [0, max], [0, 0], [0, max], [0, max], [0, max])));
  }
  if (SIZE_BOUNDED.has(id)) {
    // msizeMax is a memory size (< 2^29): one half each.
    return scalarReg(
      sync(scalarOf(TNUM_UNKNOWN, [-1, -MAX_ERRNO], [0, msizeMax], [0, 0], [-1, -1], [-MAX_ERRNO, msizeMax], [0, -1])),
    );
  }
  return UNKNOWN_SCALAR;
}
