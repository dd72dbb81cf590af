/**
 * `BPF_MAP_CREATE` argument checks, per map type, with the kernel's errno:
 * arraymap.c:array_map_alloc_check, hashtab.c:htab_map_alloc_check,
 * reuseport_array.c:reuseport_array_alloc_check, sock_map.c:sock_map_alloc / sock_hash_alloc.
 * Omitted: size limits tied to KMALLOC_MAX_SIZE (Baton caps the arena at 64 MiB instead,
 * reported as -E2BIG), BTF, NUMA placement and map-in-map.
 */
import type { AddressSpace } from "../memory.js";
import type { MapSpec } from "../map-spec.js";
import {
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_REUSEPORT_SOCKARRAY,
  BPF_MAP_TYPE_SOCKHASH,
  BPF_MAP_TYPE_SOCKMAP,
} from "../program-type.js";
import { ArrayMap } from "./array.js";
import { E2BIG, EINVAL, ENOTSUPP } from "./errno.js";
import { HashMap } from "./hash.js";
import { ReuseportSockArray, SockHash, SockMap } from "./sockmaps.js";
import { type BpfMap, roundUp8 } from "./types.js";

// map_flags bits (uapi bpf.h)
export const BPF_F_NO_PREALLOC = 1 << 0;
export const BPF_F_NO_COMMON_LRU = 1 << 1;
export const BPF_F_NUMA_NODE = 1 << 2;
export const BPF_F_RDONLY = 1 << 3;
export const BPF_F_WRONLY = 1 << 4;
export const BPF_F_ZERO_SEED = 1 << 6;
export const BPF_F_RDONLY_PROG = 1 << 7;
export const BPF_F_WRONLY_PROG = 1 << 8;
export const BPF_F_MMAPABLE = 1 << 10;

const ACCESS = BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG;
const HTAB_FLAGS = BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE | BPF_F_ZERO_SEED | ACCESS;
const ARRAY_FLAGS = BPF_F_NUMA_NODE | BPF_F_MMAPABLE | ACCESS;
const SOCK_FLAGS = BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY;
/** MAX_BPF_STACK: sock_hash_alloc's key_size limit. */
const MAX_KEY = 512;
const MAX_ARENA = 64 << 20;

export const MAP_TYPE_NAMES: Readonly<Record<number, string>> = {
  [BPF_MAP_TYPE_HASH]: "hash",
  [BPF_MAP_TYPE_ARRAY]: "array",
  [BPF_MAP_TYPE_LRU_HASH]: "lru_hash",
  [BPF_MAP_TYPE_SOCKMAP]: "sockmap",
  [BPF_MAP_TYPE_SOCKHASH]: "sockhash",
  [BPF_MAP_TYPE_REUSEPORT_SOCKARRAY]: "reuseport_sockarray",
};

export interface SpecProblem {
  /** Negative errno. */
  readonly errno: number;
  /** Expected versus actual, e.g. "key_size 8; expected 4". */
  readonly reason: string;
}

const bad = (errno: number, reason: string): SpecProblem => ({ errno, reason });

/** Check a spec as `BPF_MAP_CREATE` would; null when the kernel would create the map. */
export function checkMapSpec(spec: MapSpec): SpecProblem | null {
  const { type, keySize, valueSize, maxEntries } = spec;
  const flags = spec.flags ?? 0;
  const tname = MAP_TYPE_NAMES[type];
  if (tname === undefined)
    return bad(
      -EINVAL,
      `map type ${type} is not supported; expected one of 1 (hash), 2 (array), 9 (lru_hash), 15 (sockmap), 18 (sockhash), 20 (reuseport_sockarray)`,
    );
  if (
    !Number.isInteger(keySize) ||
    keySize < 0 ||
    !Number.isInteger(valueSize) ||
    valueSize < 0 ||
    !Number.isInteger(maxEntries) ||
    maxEntries < 0
  ) {
    return bad(
      -EINVAL,
      `key_size ${keySize}, value_size ${valueSize}, max_entries ${maxEntries}; expected non-negative integers`,
    );
  }
  if (maxEntries === 0) return bad(-EINVAL, `max_entries 0; expected at least 1`);
  switch (type) {
    case BPF_MAP_TYPE_ARRAY:
    case BPF_MAP_TYPE_REUSEPORT_SOCKARRAY: {
      if (type === BPF_MAP_TYPE_REUSEPORT_SOCKARRAY && valueSize !== 4 && valueSize !== 8)
        return bad(-EINVAL, `value_size ${valueSize} for a ${tname}; expected 4 or 8 (a socket fd)`);
      if (keySize !== 4)
        return bad(
          -EINVAL,
          `key_size ${keySize} for a${tname === "array" ? "n" : ""} ${tname}; expected 4 (a u32 index)`,
        );
      if (valueSize === 0) return bad(-EINVAL, `value_size 0; expected at least 1`);
      if ((flags & ~ARRAY_FLAGS) !== 0)
        return bad(-EINVAL, `map_flags 0x${flags.toString(16)} not allowed for a ${tname}`);
      if (roundUp8(valueSize) * maxEntries > MAX_ARENA)
        return bad(-E2BIG, `${maxEntries} values of ${valueSize} bytes exceed Baton's 64 MiB arena limit`);
      return null;
    }
    case BPF_MAP_TYPE_HASH:
    case BPF_MAP_TYPE_LRU_HASH: {
      const lru = type === BPF_MAP_TYPE_LRU_HASH;
      if ((flags & ~HTAB_FLAGS) !== 0)
        return bad(-EINVAL, `map_flags 0x${flags.toString(16)} not allowed for a ${tname}`);
      if (lru && (flags & BPF_F_NO_PREALLOC) !== 0)
        return bad(-ENOTSUPP, `BPF_F_NO_PREALLOC is not supported for an lru_hash`);
      if (!lru && (flags & BPF_F_NO_COMMON_LRU) !== 0) return bad(-EINVAL, `BPF_F_NO_COMMON_LRU needs an lru_hash`);
      if (keySize === 0) return bad(-EINVAL, `key_size 0; expected at least 1`);
      if (valueSize === 0) return bad(-EINVAL, `value_size 0; expected at least 1`);
      // No MAX_BPF_STACK limit on hash keys any more (Linux 6.18 accepts key_size 513).
      if (keySize > MAX_ARENA || roundUp8(valueSize) * maxEntries > MAX_ARENA)
        return bad(-E2BIG, `${maxEntries} values of ${valueSize} bytes exceed Baton's 64 MiB arena limit`);
      return null;
    }
    case BPF_MAP_TYPE_SOCKMAP:
    case BPF_MAP_TYPE_SOCKHASH: {
      if (type === BPF_MAP_TYPE_SOCKMAP && keySize !== 4)
        return bad(-EINVAL, `key_size ${keySize} for a sockmap; expected 4 (a u32 index)`);
      if (keySize === 0) return bad(-EINVAL, `key_size 0; expected at least 1`);
      if (valueSize !== 4 && valueSize !== 8)
        return bad(-EINVAL, `value_size ${valueSize} for a ${tname}; expected 4 or 8 (a socket fd)`);
      if ((flags & ~SOCK_FLAGS) !== 0)
        return bad(-EINVAL, `map_flags 0x${flags.toString(16)} not allowed for a ${tname}`);
      if (keySize > MAX_KEY) return bad(-E2BIG, `key_size ${keySize}; expected at most ${MAX_KEY}`);
      return null;
    }
  }
  return bad(-EINVAL, `map type ${type} is not supported`);
}

/** Build a map whose spec `checkMapSpec` accepted; its regions are added to `mem`. */
export function instantiateMap(spec: MapSpec, mem: AddressSpace): BpfMap {
  switch (spec.type) {
    case BPF_MAP_TYPE_ARRAY:
      return new ArrayMap(spec, mem);
    case BPF_MAP_TYPE_HASH:
    case BPF_MAP_TYPE_LRU_HASH:
      return new HashMap(spec, mem);
    case BPF_MAP_TYPE_REUSEPORT_SOCKARRAY:
      return new ReuseportSockArray(spec, mem);
    case BPF_MAP_TYPE_SOCKMAP:
      return new SockMap(spec, mem);
    default:
      return new SockHash(spec, mem);
  }
}
