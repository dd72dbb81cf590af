/**
 * Callback helpers. The callback runs through the engine (`HelperEnv.callbacks`); without one
 * they trap.
 * - bpf_loop (181): call the callback `nr_loops` times with (index, callback_ctx), stopping
 *   early when it returns non-zero (kernel/bpf/bpf_iter.c `bpf_loop`): flags != 0 is -EINVAL,
 *   more than BPF_MAX_LOOPS (2^23) iterations -E2BIG; the result is the number of calls made.
 * - bpf_for_each_map_elem (164): call it with (map, &key, &value, callback_ctx) for every
 *   element of a data map, stopping after a call that returns non-zero; the result is the number
 *   of calls (`bpf_for_each_hash_elem`, `bpf_for_each_array_elem`). flags != 0 is -EINVAL.
 *   Elements are visited in the map's getNextKey order over the keys present when the helper
 *   starts, skipping those deleted meanwhile; the key is a read-only copy in a region of its own
 *   (the kernel points into the element). Deviation: visiting an LRU element marks it used.
 */
import { VmTrap } from "../../errors.js";
import { REG_WORDS, setR0Int, type HelperFn } from "../helper-abi.js";
import { E2BIG, EINVAL } from "../maps/errno.js";
import type { Region } from "../memory.js";
import { dataMapArg, hi, lo } from "./args.js";
import type { HelperEnv } from "./env.js";

export const BPF_MAX_LOOPS = 8 * 1024 * 1024;

export function loop(env: HelperEnv): HelperFn {
  const cb = new Uint32Array(REG_WORDS);
  return (regs, mem) => {
    const n = lo(regs, 1); // u32 nr_loops
    const fnHi = hi(regs, 2);
    const fnLo = lo(regs, 2);
    const ctxHi = hi(regs, 3);
    const ctxLo = lo(regs, 3);
    if (lo(regs, 4) !== 0 || hi(regs, 4) !== 0) return setR0Int(regs, -EINVAL);
    if (n > BPF_MAX_LOOPS) return setR0Int(regs, -E2BIG);
    const runner = env.callbacks;
    if (runner === null)
      throw new VmTrap(
        "vm.helper-unavailable",
        "helper bpf_loop#181 is not available in Baton's VM: this engine cannot call a callback (function pointers from lddw src=4 are not loaded)",
      );
    let i = 0;
    while (i < n) {
      cb.fill(0);
      cb[2] = i; // r1 = index
      cb[4] = ctxLo; // r2 = callback_ctx
      cb[5] = ctxHi;
      runner.call(fnHi, fnLo, cb, mem);
      i++;
      if (cb[0] !== 0 || cb[1] !== 0) break;
    }
    setR0Int(regs, i);
  };
}

export function forEachMapElem(env: HelperEnv): HelperFn {
  const cb = new Uint32Array(REG_WORDS);
  const keyRegions = new Map<number, Region>();
  return (regs, mem) => {
    const map = dataMapArg(env, regs, 1, "for_each_map_elem");
    const fnHi = hi(regs, 2);
    const fnLo = lo(regs, 2);
    const ctxHi = hi(regs, 3);
    const ctxLo = lo(regs, 3);
    if (lo(regs, 4) !== 0 || hi(regs, 4) !== 0) return setR0Int(regs, -EINVAL);
    const runner = env.callbacks;
    if (runner === null)
      throw new VmTrap(
        "vm.helper-unavailable",
        "helper bpf_for_each_map_elem#164 is not available in Baton's VM: this engine cannot call a callback (function pointers from lddw src=4 are not loaded)",
      );
    let keyRegion = keyRegions.get(map.fd);
    if (keyRegion === undefined) {
      keyRegion = mem.add(`for_each key of map fd ${map.fd}`, new Uint8Array(map.keySize), false);
      keyRegions.set(map.fd, keyRegion);
    }
    const keys: Uint8Array[] = [];
    for (let k = map.getNextKey(null); typeof k !== "number"; k = map.getNextKey(k)) {
      keys.push(k.slice());
      if (keys.length > map.maxEntries) break; // a getNextKey that wraps (arrays restart at 0)
    }
    let calls = 0;
    for (const key of keys) {
      const slot = map.lookupSlot(key, 0);
      if (slot < 0) continue;
      keyRegion.bytes.set(key);
      cb.fill(0);
      cb[3] = map.handle.id; // r1 = the map, as the caller passed it (low half 0)
      cb[5] = keyRegion.id; // r2 = &key
      cb[6] = slot * map.stride; // r3 = &value
      cb[7] = map.arena.id;
      cb[8] = ctxLo; // r4 = callback_ctx
      cb[9] = ctxHi;
      runner.call(fnHi, fnLo, cb, mem);
      calls++;
      if (cb[0] !== 0 || cb[1] !== 0) break;
    }
    setR0Int(regs, calls);
  };
}
