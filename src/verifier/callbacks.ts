/**
 * Callback helpers (bpf_loop, bpf_for_each_map_elem, bpf_timer_set_callback, bpf_find_vma,
 * bpf_user_ringbuf_drain): what the kernel gives the callback on entry and what it may return
 * (kernel/bpf/verifier.c `set_loop_callback_state`, `set_map_elem_callback_state`,
 * `set_timer_callback_state`, `set_find_vma_callback_state`,
 * `set_user_ringbuf_callback_state`, and `push_callback_call` / `prepare_func_exit`).
 *
 * Not wired into the exploration loop yet: the loop (verify.ts) must treat the helper call as
 * a call of the callback's subprogram. Until then helper-args.ts rejects a function-pointer
 * argument with `CALLBACKS_NOT_VERIFIED`. Today no program gets that far: a function pointer
 * only comes from `lddw src=4`, which the verifier refuses (as the kernel does for a program
 * loaded without BTF func_info: "missing btf func_info").
 */
import type { MapSpec } from "../vm/map-spec.js";
import { HELPER } from "../vm/program-type.js";
import { mkReg, NOT_INIT, UNKNOWN_SCALAR, ZERO, type Reg } from "./state.js";
import { smax64, smin64 } from "./scalar.js";

export const CALLBACKS_NOT_VERIFIED = "callbacks are not verified by Baton yet";

export interface CallbackSpec {
  /** The helper argument (1-5) holding the function pointer. */
  readonly funcArg: number;
  /** The argument whose value becomes the callback's context pointer (r2 or r4 on entry). */
  readonly ctxArg: number;
  /** Allowed return values of the callback (`callback_ret_range`). */
  readonly ret: readonly [bigint, bigint];
  /** Whether the kernel explores the callback as possibly called any number of times. */
  readonly repeats: boolean;
}

/** The callback helpers Baton's registers could one day reach (no BTF needed for the callee's arguments). */
export const CALLBACKS: ReadonlyMap<number, CallbackSpec> = new Map<number, CallbackSpec>([
  [HELPER.loop, { funcArg: 2, ctxArg: 3, ret: [0n, 1n], repeats: true }],
  [HELPER.for_each_map_elem, { funcArg: 2, ctxArg: 3, ret: [0n, 1n], repeats: true }],
]);

/**
 * The callee's r1-r5 on entry, from the caller's registers at the helper call (`caller[i]` is
 * r<i>; `map` is the map of bpf_for_each_map_elem's r1).
 * - bpf_loop: r1 = the iteration index (unknown scalar; the kernel keeps it imprecise),
 *   r2 = the caller's r3 (callback_ctx), r3-r5 not readable.
 * - bpf_for_each_map_elem: r1 = the map (CONST_PTR_TO_MAP), r2 = a pointer to a key
 *   (PTR_TO_MAP_KEY, read-only, key_size bytes), r3 = a pointer to the value (map_value),
 *   r4 = the caller's r3, r5 not readable.
 * Returns undefined for helpers without a callback. Register kinds Baton lacks (map_key,
 * CONST_PTR_TO_MAP as opposed to a map pointer) are given as the closest kind with a note.
 */
export function callbackEntryRegs(
  helperId: number,
  caller: readonly Reg[],
  map: MapSpec | undefined,
): Reg[] | undefined {
  const ctx = caller[3] ?? NOT_INIT;
  if (helperId === HELPER.loop) return [NOT_INIT, UNKNOWN_SCALAR, ctx, NOT_INIT, NOT_INIT, NOT_INIT];
  if (helperId === HELPER.for_each_map_elem && map !== undefined) {
    // r2 is PTR_TO_MAP_KEY in the kernel: readable, key_size bytes, not writable. Baton has no
    // map_key type; a map_value of the map with off 0 over-allows writes through r2, so the
    // wiring must add a map_key register type before using this.
    const value: Reg = mkReg("map_value", ZERO, 0, 0, map);
    return [NOT_INIT, mkReg("map_ptr", ZERO, 0, 0, map), value, value, ctx, NOT_INIT];
  }
  return undefined;
}

/** r0 at the callback's exit must be a scalar within `spec.ret` (kernel prepare_func_exit). */
export function callbackReturnOk(spec: CallbackSpec, r0: Reg): string | undefined {
  if (r0.type !== "scalar") return "R0 is not a scalar value";
  const s = r0.s;
  if (smin64(s) < spec.ret[0] || smax64(s) > spec.ret[1])
    return `At callback return the register R0 has smin=${smin64(s)} smax=${smax64(s)} should have been in [${spec.ret[0]}, ${spec.ret[1]}]`;
  return undefined;
}
