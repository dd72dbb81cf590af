/**
 * Helper calls (kernel `check_helper_call`): the program type must offer the helper, each
 * argument must satisfy its `ARG_*` constraint, map arguments must be of a compatible type
 * (R21: sk_select_reuseport only with maps 20/15/18; a REUSEPORT_SOCKARRAY with no other
 * helper), r1-r5 are scratched afterwards and r0 takes the `RET_*` type.
 *
 * The argument kinds Baton's registers can never satisfy (BTF pointers, dynptrs, ring buffer
 * memory, callbacks, spin locks and timers, which need BTF or `lddw src=4`) are checked in
 * helper-args.ts with the kernel's messages.
 *
 * Kernel 6.x detail reproduced: a lookup in an ARRAY map with a constant in-range key
 * (key bytes known to be zero, or a constant scalar spilled with the key's size,
 * kernel `get_constant_map_key`) returns a non-NULL map value.
 */
import {
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_PROG_ARRAY,
  BPF_MAP_TYPE_REUSEPORT_SOCKARRAY,
  HELPER,
  type ArgType,
  type HelperProto,
} from "../vm/program-type.js";
import type { MapSpec } from "../vm/map-spec.js";
import type { Insn } from "../vm/isa.js";
import type { Env } from "./env.js";
import { FUNC_MAX_ID, kernelHelperName } from "./helper-names.js";
import {
  checkAfterArgs,
  checkConstStr,
  checkLongOut,
  checkUnmodelledArg,
  helperMem,
  isNullScalar,
  MEM_TYPES,
  refinedReturn,
  rejectUnmodelledReturn,
} from "./helper-args.js";
import { isConstScalar, smin64, sminNum, umax64, umaxNum, umin64 } from "./scalar.js";
import { isPointer, mkReg, NOT_INIT, ZERO, type Reg } from "./state.js";

const SOCK_TYPES = "sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_";

function typeName(r: Reg): string {
  return r.type === "stack" ? "fp" : r.type;
}

/**
 * The key's value when the verifier knows it, exactly as far as the kernel's
 * get_constant_map_key looks (privileged loaders only): counting from the key's first byte
 * towards the top of that one 8-byte slot, either at least `size` zero bytes, or exactly
 * `size` bytes of a scalar spill that starts the slot and holds a constant (the whole
 * spilled register, as the kernel reads it). Otherwise undefined.
 */
function constantKey(env: Env, key: Reg, size: number): bigint | undefined {
  if (env.unprivileged || key.type !== "stack" || !isConstScalar(key.s)) return undefined;
  const f = env.cur.frames[key.frame ?? 0]!;
  const off = key.off + sminNum(key.s);
  if (off >= 0) return undefined;
  const slot = f.stack[(-off - 1) >> 3];
  if (slot === undefined) return undefined;
  const j0 = (-off - 1) % 8;
  const run = (k: string): number => {
    let n = 0;
    for (let j = j0; j >= 0 && slot.kinds[j] === k; j--) n++;
    return n;
  };
  if (run("0") >= size) return 0n;
  const v = slot.spill;
  if (v === undefined || v.type !== "scalar" || slot.kinds[7] !== "r" || run("r") !== size) return undefined;
  if (!isConstScalar(v.s)) return undefined;
  // The lookup's result type relies on the spilled constant (kernel: mark_chain_precision_batch).
  env.markSlotPrecise(key.frame ?? env.cur.frames.length - 1, (-off - 1) >> 3);
  return smin64(v.s);
}

export function checkHelperCall(env: Env, x: Insn): void {
  const id = x.imm;
  const proto = offered(env, id);
  const name = kernelHelperName(id);
  if (proto === undefined) {
    if (id < 0 || id >= FUNC_MAX_ID) env.reject(`invalid func unknown#${id}`, "verify.helper-id");
    env.reject(
      `program of this type cannot use helper ${name}#${id}`,
      "verify.helper-denied",
      `${env.type.name} programs may call: ${[...env.type.helpers.values()]
        .filter((h) => offered(env, h.id) !== undefined)
        .map((h) => `bpf_${h.name}#${h.id}`)
        .join(", ")}`,
    );
  }
  // check_helper_call: might_sleep is refused before any argument is looked at.
  if (proto.mightSleep === true)
    env.reject(
      "helper call might sleep in a non-sleepable prog",
      "verify.helper-sleep",
      `bpf_${proto.name} may sleep; ${env.type.name} programs cannot`,
    );
  const full = `bpf_${proto.name}#${id}`;
  let map: MapSpec | undefined;
  /** The last size argument's maximum (the kernel's meta->msize_max_value). */
  let msizeMax = 0;
  const args = proto.args;
  for (let i = 0; i < args.length; i++) {
    const regno = i + 1;
    const kind: ArgType = args[i]!;
    if (kind === "const_size" || kind === "const_size_or_zero") continue; // checked with the buffer before it
    const r = env.readReg(regno);
    const expect = (expected: string): never =>
      env.reject(
        `R${regno} type=${typeName(r)} expected=${expected}`,
        "verify.helper-arg",
        `argument ${regno} of ${full} must be ${expected.split(",")[0]}`,
      );
    // check_func_arg: a packet pointer is refused unless the helper's proto has pkt_access.
    if (kind !== "anything" && r.type === "pkt" && !PKT_ACCESS.has(id))
      env.reject(
        "helper access to the packet is not allowed",
        "verify.helper-pkt",
        `bpf_${proto.name} cannot read or write the packet; copy the bytes to the stack first`,
      );
    switch (kind) {
      case "ctx":
        if (r.type !== "ctx") expect("ctx");
        if (r.off !== 0)
          env.reject(`dereference of modified ctx ptr R${regno} off=${r.off} disallowed`, "verify.ctx-modified");
        break;
      case "const_map_ptr": {
        if (r.type !== "map_ptr") expect("map_ptr");
        map = r.map!; // its type is checked after all arguments, as the kernel does
        break;
      }
      case "map_key":
      case "map_value": {
        if (r.type !== "stack" && r.type !== "map_value" && r.type !== "pkt") expect(MEM_TYPES);
        if (map === undefined)
          env.reject(`invalid map_ptr to access map->${kind === "map_key" ? "key" : "value"}`, "verify.helper-arg");
        helperMem(env, regno, r, kind === "map_key" ? map.keySize : map.valueSize, "read", false);
        break;
      }
      case "mem":
      case "mem_or_null":
      case "mem_write":
      case "mem_write_or_null":
      case "uninit_mem": {
        // ARG_PTR_TO_MEM (+ flags): the size comes from the next argument (check_mem_size_reg).
        const maybeNull = kind === "mem_or_null" || kind === "mem_write_or_null";
        if (maybeNull && isNullScalar(r)) {
          sizeArg(env, regno + 1, args[i + 1] === "const_size_or_zero", (size) => {
            if (size !== 0)
              env.reject(`R${regno} type=scalar expected=fp`, "verify.helper-arg", `a NULL buffer needs a size of 0`);
          });
          break;
        }
        if (r.type !== "stack" && r.type !== "map_value" && r.type !== "pkt") expect(MEM_TYPES);
        // MEM_WRITE buffers, like MEM_UNINIT ones, need not be initialized (Linux 6.18 accepts
        // bpf_snprintf_btf into uninitialized stack); the helper's writes make them unknown.
        const access = kind === "mem" || kind === "mem_or_null" ? "read" : "write";
        sizeArg(env, regno + 1, args[i + 1] === "const_size_or_zero", (size, constant) => {
          // check_mem_size_reg drops raw mode for a variable size: the helper may fill only part
          // of the buffer, so every byte it could cover must already be initialized.
          if (kind === "uninit_mem" && !constant && r.type === "stack") helperMem(env, regno, r, size, "read", true);
          helperMem(env, regno, r, size, access, true);
          msizeMax = size;
        });
        break;
      }
      case "long_out":
        checkLongOut(env, regno, r);
        break;
      case "const_str":
        checkConstStr(env, regno, r);
        break;
      case "sock_common":
        // The sk_reuseport variant of get_socket_cookie takes a socket pointer that may be NULL.
        if (r.type !== "sock" && r.type !== "sock_common" && r.type !== "sock_common_or_null") expect(SOCK_TYPES);
        if (r.off !== 0)
          env.reject(`dereference of modified ${r.type} ptr R${regno} off=${r.off} disallowed`, "verify.sock-modified");
        break;
      case "anything":
        if (isPointer(r) && env.unprivileged)
          env.reject(`R${regno} leaks addr into helper function`, "verify.ptr-leak");
        break;
      default:
        checkUnmodelledArg(env, regno, r, kind, proto, map);
    }
  }
  if (map !== undefined) checkMapCompat(env, proto, map);
  checkAfterArgs(env, proto);
  if (proto.ret !== "integer" && proto.ret !== "void" && proto.ret !== "map_value_or_null")
    rejectUnmodelledReturn(env, proto);
  let nonNull = false;
  if (id === HELPER.map_lookup_elem && map !== undefined && map.type === BPF_MAP_TYPE_ARRAY && map.maxEntries > 0) {
    // R2 still holds the key pointer: the argument checks above do not change registers.
    const k = constantKey(env, env.reg(2), map.keySize);
    nonNull = k !== undefined && k >= 0n && k < BigInt(map.maxEntries);
  }
  for (let r = 1; r <= 5; r++) env.frame.regs[r] = NOT_INIT;
  let r0: Reg;
  switch (proto.ret) {
    case "void":
      r0 = NOT_INIT;
      break;
    case "map_value_or_null":
      r0 = nonNull ? mkReg("map_value", ZERO, 0, 0, map!) : mkReg("map_value_or_null", ZERO, 0, env.nextId(), map!);
      break;
    default:
      r0 = refinedReturn(id, msizeMax);
  }
  env.frame.regs[0] = r0;
  env.scratchReg(0);
}

/**
 * The map against the helper, once every argument passed (check_helper_call: record_func_map
 * refuses a tail call through anything but a PROG_ARRAY, then check_map_func_compatibility).
 */
function checkMapCompat(env: Env, proto: HelperProto, map: MapSpec): void {
  const full = `bpf_${proto.name}#${proto.id}`;
  if (proto.id === HELPER.tail_call && map.type !== BPF_MAP_TYPE_PROG_ARRAY)
    env.reject(
      "expected prog array map for tail call",
      "verify.map-type",
      "bpf_tail_call needs a BPF_MAP_TYPE_PROG_ARRAY map, which Baton does not support",
    );
  const allowed = proto.mapTypes;
  const sockarrayMisuse = map.type === BPF_MAP_TYPE_REUSEPORT_SOCKARRAY && proto.id !== HELPER.sk_select_reuseport;
  if ((allowed !== undefined && !allowed.includes(map.type)) || sockarrayMisuse) {
    env.reject(
      `cannot pass map_type ${map.type} into func ${full}`,
      "verify.map-type",
      allowed !== undefined ? `${full} accepts map types ${allowed.join(", ")}` : undefined,
    );
  }
}

/**
 * Helpers whose proto sets `pkt_access` (map_lookup/update/delete, map_push_elem,
 * map_lookup_percpu_elem among those sk_reuseport may call): only they take packet pointers.
 */
const PKT_ACCESS: ReadonlySet<number> = new Set([1, 2, 3, 87, 195]);

/**
 * The helper's proto when the program type offers it to this loader: the `perfmon` ones only
 * with CAP_PERFMON, which Baton's unprivileged mode stands for (bpf_base_func_proto).
 */
function offered(env: Env, id: number): HelperProto | undefined {
  const p = env.type.helpers.get(id);
  return p === undefined || (p.perfmon === true && env.unprivileged) ? undefined : p;
}

/**
 * A size argument (kernel check_mem_size_reg): a scalar, not negative, non-zero unless the
 * proto says _OR_ZERO, below BPF_MAX_VAR_SIZ; then the buffer is checked for its maximum.
 */
function sizeArg(env: Env, sregno: number, zeroOk: boolean, check: (size: number, constant: boolean) => void): void {
  const sz = env.readReg(sregno);
  if (sz.type !== "scalar") env.reject(`R${sregno} type=${typeName(sz)} expected=scalar`, "verify.helper-arg");
  const s = sz.s;
  if (s.sminH < 0)
    env.reject(`R${sregno} min value is negative, either use unsigned or 'var &= const'`, "verify.size-neg");
  if (s.uminH === 0 && s.uminL === 0 && !zeroOk)
    env.reject(
      `R${sregno} invalid zero-sized read: u64=[${umin64(s)},${umax64(s)}]`,
      "verify.size-zero",
      "the size argument must be at least 1",
    );
  if (umaxNum(s) >= 2 ** 29)
    env.reject(`R${sregno} unbounded memory access, use 'var &= const' or 'if (var < const)'`, "verify.size-unbounded");
  check(umaxNum(s), isConstScalar(s));
  // The access was checked for this size range only (kernel check_mem_size_reg).
  env.markPrecise(sregno);
}
