/**
 * Helper calls (kernel `check_helper_call`): the program type must offer the helper, each
 * argument must satisfy its `ARG_*` constraint, map arguments must be of a compatible type
 * (R21: sk_select_reuseport only with maps 20/15/18; a REUSEPORT_SOCKARRAY with no other
 * helper), r1-r5 are scratched afterwards and r0 takes the `RET_*` type.
 *
 * Kernel 6.x detail reproduced: a lookup in an ARRAY map with a constant in-range key
 * (key bytes known to be zero, or a constant scalar spilled with the key's size,
 * kernel `get_constant_map_key`) returns a non-NULL map value.
 */
import { BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, HELPER, type ArgType } from "../vm/program-type.js";
import type { MapSpec } from "../vm/map-spec.js";
import type { Insn } from "../vm/isa.js";
import type { Env } from "./env.js";
import { FUNC_MAX_ID, kernelHelperName } from "./helper-names.js";
import { checkHelperMem } from "./mem.js";
import { isConstScalar } from "./scalar.js";
import { isPointer, NOT_INIT, UNKNOWN_SCALAR, ZERO, type Reg } from "./state.js";

const MEM_TYPES = "fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_";
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
  const off = key.off + Number(key.s.smin);
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
  return isConstScalar(v.s) ? v.s.smin : undefined;
}

export function checkHelperCall(env: Env, x: Insn): void {
  const id = x.imm;
  const proto = env.type.helpers.get(id);
  const name = kernelHelperName(id);
  if (proto === undefined) {
    if (id < 0 || id >= FUNC_MAX_ID) env.reject(`invalid func unknown#${id}`, "verify.helper-id");
    env.reject(`program of this type cannot use helper ${name}#${id}`, "verify.helper-denied", `${env.type.name} programs may call: ${[...env.type.helpers.values()].map((h) => `bpf_${h.name}#${h.id}`).join(", ")}`);
  }
  const full = `bpf_${proto.name}#${id}`;
  let map: MapSpec | undefined;
  const args = proto.args;
  for (let i = 0; i < args.length; i++) {
    const regno = i + 1;
    const kind: ArgType = args[i]!;
    if (kind === "const_size") continue; // checked with the buffer before it
    const r = env.readReg(regno);
    const expect = (expected: string): never => env.reject(`R${regno} type=${typeName(r)} expected=${expected}`, "verify.helper-arg", `argument ${regno} of ${full} must be ${expected.split(",")[0]}`);
    switch (kind) {
      case "ctx":
        if (r.type !== "ctx") expect("ctx");
        if (r.off !== 0) env.reject(`dereference of modified ctx ptr R${regno} off=${r.off} disallowed`, "verify.ctx-modified");
        break;
      case "const_map_ptr": {
        if (r.type !== "map_ptr") expect("map_ptr");
        map = r.map!;
        const allowed = proto.mapTypes;
        const sockarrayMisuse = map.type === BPF_MAP_TYPE_REUSEPORT_SOCKARRAY && id !== HELPER.sk_select_reuseport;
        if ((allowed !== undefined && !allowed.includes(map.type)) || sockarrayMisuse) {
          env.reject(`cannot pass map_type ${map.type} into func ${full}`, "verify.map-type", allowed !== undefined ? `${full} accepts map types ${allowed.join(", ")}` : undefined);
        }
        break;
      }
      case "map_key":
      case "map_value": {
        if (r.type !== "stack" && r.type !== "map_value" && r.type !== "pkt") expect(MEM_TYPES);
        if (map === undefined) env.reject(`invalid map_ptr to access map->${kind === "map_key" ? "key" : "value"}`, "verify.helper-arg");
        checkHelperMem(env, regno, r, kind === "map_key" ? map.keySize : map.valueSize, "read", false);
        break;
      }
      case "uninit_mem": {
        if (r.type !== "stack" && r.type !== "map_value" && r.type !== "pkt") expect(MEM_TYPES);
        const sregno = regno + 1;
        const sz = env.readReg(sregno);
        if (sz.type !== "scalar") env.reject(`R${sregno} type=${typeName(sz)} expected=scalar`, "verify.helper-arg");
        const s = sz.s;
        if (s.smin < 0n) env.reject(`R${sregno} min value is negative, either use unsigned or 'var &= const'`, "verify.size-neg");
        if (s.umin === 0n) env.reject(`R${sregno} invalid zero-sized read: u64=[${s.umin},${s.umax}]`, "verify.size-zero", "the size argument must be at least 1");
        if (s.umax >= 1n << 29n) env.reject(`R${sregno} unbounded memory access, use 'var &= const' or 'if (var < const)'`, "verify.size-unbounded");
        checkHelperMem(env, regno, r, Number(s.umax), "write", false);
        break;
      }
      case "sock_common":
        // The sk_reuseport variant of get_socket_cookie takes a socket pointer that may be NULL.
        if (r.type !== "sock" && r.type !== "sock_common" && r.type !== "sock_common_or_null") expect(SOCK_TYPES);
        if (r.off !== 0) env.reject(`dereference of modified ${r.type} ptr R${regno} off=${r.off} disallowed`, "verify.sock-modified");
        break;
      case "anything":
        if (isPointer(r) && env.unprivileged) env.reject(`R${regno} leaks addr into helper function`, "verify.ptr-leak");
        break;
    }
  }
  let nonNull = false;
  if (id === HELPER.map_lookup_elem && map !== undefined && map.type === BPF_MAP_TYPE_ARRAY && map.maxEntries > 0) {
    // R2 still holds the key pointer: the argument checks above do not change registers.
    const k = constantKey(env, env.reg(2), map.keySize);
    nonNull = k !== undefined && k >= 0n && k < BigInt(map.maxEntries);
  }
  for (let r = 1; r <= 5; r++) env.frame.regs[r] = NOT_INIT;
  let r0: Reg;
  switch (proto.ret) {
    case "integer":
      r0 = UNKNOWN_SCALAR;
      break;
    case "void":
      r0 = NOT_INIT;
      break;
    case "map_value_or_null":
      r0 = nonNull ? { type: "map_value", s: ZERO, off: 0, id: 0, map: map! } : { type: "map_value_or_null", s: ZERO, off: 0, id: env.nextId(), map: map! };
      break;
  }
  env.frame.regs[0] = r0;
  env.scratchedRegs.add(0);
}
