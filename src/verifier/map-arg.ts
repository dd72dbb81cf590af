/**
 * Map declarations on the command line and in corpus headers: `FD:TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES`
 * where TYPE is a BPF_MAP_TYPE_* number or one of the names below.
 */
import { UsageError } from "../errors.js";
import type { MapSpec } from "../vm/map-spec.js";
import {
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_REUSEPORT_SOCKARRAY,
  BPF_MAP_TYPE_SOCKHASH,
  BPF_MAP_TYPE_SOCKMAP,
} from "../vm/program-type.js";

export const MAP_TYPE_NAMES: Readonly<Record<string, number>> = {
  hash: BPF_MAP_TYPE_HASH,
  array: BPF_MAP_TYPE_ARRAY,
  lru_hash: BPF_MAP_TYPE_LRU_HASH,
  sockmap: BPF_MAP_TYPE_SOCKMAP,
  sockhash: BPF_MAP_TYPE_SOCKHASH,
  reuseport_sockarray: BPF_MAP_TYPE_REUSEPORT_SOCKARRAY,
};

/** Parse one `FD:TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES`; throws `UsageError` naming the bad part. */
export function parseMapArg(text: string): MapSpec {
  const parts = text.split(":");
  if (parts.length !== 5) throw new UsageError(`--map expects FD:TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES (5 fields), got '${text}' (${parts.length} fields)`);
  const num = (s: string, what: string): number => {
    if (!/^\d+$/.test(s)) throw new UsageError(`--map ${what} must be a non-negative integer, got '${s}' in '${text}'`);
    return Number(s);
  };
  const [fd, type, ks, vs, max] = parts as [string, string, string, string, string];
  const t = /^\d+$/.test(type) ? Number(type) : MAP_TYPE_NAMES[type.toLowerCase()];
  if (t === undefined) throw new UsageError(`--map TYPE '${type}' is unknown; expected a number or one of ${Object.keys(MAP_TYPE_NAMES).join(", ")}`);
  return { fd: num(fd, "FD"), type: t, keySize: num(ks, "KEY_SIZE"), valueSize: num(vs, "VALUE_SIZE"), maxEntries: num(max, "MAX_ENTRIES") };
}
