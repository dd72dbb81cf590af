/**
 * Map declarations on the command line and in corpus headers: `FD:TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES`
 * where TYPE is a BPF_MAP_TYPE_* number or one of the names below.
 */
import { UsageError } from "../errors.js";
import type { MapSpec } from "../vm/map-spec.js";
import { MAP_TYPE_NAMES as NAME_OF_TYPE } from "../vm/maps/create.js";

/** Map type names to BPF_MAP_TYPE_* numbers: the VM's table, inverted. */
export const MAP_TYPE_NAMES: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(NAME_OF_TYPE).map(([type, name]) => [name, Number(type)]),
);

/** Parse one `FD:TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES`; throws `UsageError` naming the bad part. */
export function parseMapArg(text: string): MapSpec {
  const parts = text.split(":");
  if (parts.length !== 5)
    throw new UsageError(
      `--map expects FD:TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES (5 fields), got '${text}' (${parts.length} fields)`,
    );
  const num = (s: string, what: string): number => {
    if (!/^\d+$/.test(s)) throw new UsageError(`--map ${what} must be a non-negative integer, got '${s}' in '${text}'`);
    return Number(s);
  };
  const [fd, type, ks, vs, max] = parts as [string, string, string, string, string];
  const t = /^\d+$/.test(type) ? Number(type) : MAP_TYPE_NAMES[type.toLowerCase()];
  if (t === undefined)
    throw new UsageError(
      `--map TYPE '${type}' is unknown; expected a number or one of ${Object.keys(MAP_TYPE_NAMES).join(", ")}`,
    );
  return {
    fd: num(fd, "FD"),
    type: t,
    keySize: num(ks, "KEY_SIZE"),
    valueSize: num(vs, "VALUE_SIZE"),
    maxEntries: num(max, "MAX_ENTRIES"),
  };
}
