/**
 * bpf_map_lookup_elem (1), bpf_map_update_elem (2), bpf_map_delete_elem (3) on data maps.
 * Keys and values are read in place from VM memory; a bad pointer is a `VmTrap` from
 * `AddressSpace.resolve`. Lookup returns the value's address in the map's arena, or NULL.
 */
import type { HelperFn } from "../helper-abi.js";
import { setR0Int } from "../helper-abi.js";
import { EINVAL } from "../maps/errno.js";
import { dataMapArg, hi, lo } from "./args.js";
import type { HelperEnv } from "./env.js";

export function mapLookupElem(env: HelperEnv): HelperFn {
  return (regs, mem) => {
    const map = dataMapArg(env, regs, 1, "map_lookup_elem");
    const kOff = lo(regs, 2);
    const key = mem.resolve(hi(regs, 2), kOff, map.keySize, false, -1);
    const slot = map.lookupSlot(key.bytes, kOff);
    if (slot < 0) {
      regs[0] = 0;
      regs[1] = 0;
    } else {
      regs[0] = slot * map.stride;
      regs[1] = map.arena.id;
    }
  };
}

export function mapUpdateElem(env: HelperEnv): HelperFn {
  return (regs, mem) => {
    const map = dataMapArg(env, regs, 1, "map_update_elem");
    const kOff = lo(regs, 2);
    const vOff = lo(regs, 3);
    const key = mem.resolve(hi(regs, 2), kOff, map.keySize, false, -1);
    const val = mem.resolve(hi(regs, 3), vOff, map.valueSize, false, -1);
    // flags is a u64: anything above BPF_EXIST, high half included, is -EINVAL.
    const flags = hi(regs, 4) !== 0 ? -1 : lo(regs, 4);
    setR0Int(regs, flags < 0 ? -EINVAL : map.updateFrom(key.bytes, kOff, val.bytes, vOff, flags));
  };
}

export function mapDeleteElem(env: HelperEnv): HelperFn {
  return (regs, mem) => {
    const map = dataMapArg(env, regs, 1, "map_delete_elem");
    const kOff = lo(regs, 2);
    const key = mem.resolve(hi(regs, 2), kOff, map.keySize, false, -1);
    setR0Int(regs, map.deleteAt(key.bytes, kOff));
  };
}
