/**
 * A scenario's maps against the compiled policies it attaches, checked before the first event:
 * a map the scenario declares (and so may write or publish into) must be one a policy declares,
 * of the matching kind, and with the key and value sizes the scenario states. Otherwise the
 * writes would land in a map no program reads and the run would look plausible but mean
 * nothing. Errors carry the JSON pointer of the declaration (`/maps/N/...`).
 * Built-in policies read the model's own maps: those a built-in in use reads are exempt, and a
 * scenario that attaches no compiled policy is not checked.
 */
import { ModelError } from "../errors.js";
import {
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_REUSEPORT_SOCKARRAY,
  BPF_MAP_TYPE_SOCKHASH,
  BPF_MAP_TYPE_SOCKMAP,
} from "../vm/program-type.js";
import type { ReuseportProgram } from "./program.js";
import type { MapType, Scenario } from "./scenario.js";

/** The BPF map type of each scenario map kind. */
export const MAP_TYPE_NUMBERS: Readonly<Record<MapType, number>> = {
  sockarray: BPF_MAP_TYPE_REUSEPORT_SOCKARRAY,
  sockmap: BPF_MAP_TYPE_SOCKMAP,
  sockhash: BPF_MAP_TYPE_SOCKHASH,
  array: BPF_MAP_TYPE_ARRAY,
  hash: BPF_MAP_TYPE_HASH,
  lru_hash: BPF_MAP_TYPE_LRU_HASH,
};

/** Maps the built-in policies read (builtins.ts). */
const BUILTIN_MAPS: Readonly<Record<string, readonly string[]>> = { "newest-generation": ["listeners", "generation"] };

const kindName = (type: number): string =>
  Object.entries(MAP_TYPE_NUMBERS).find(([, n]) => n === type)?.[0] ?? `type ${type}`;

export function checkScenarioMaps(sc: Scenario, programs: ReadonlyMap<string, ReuseportProgram>): void {
  // A policy reference with the program's own name when they differ (`--policy` replaced it).
  const compiled = [...programs.entries()]
    .filter(([, p]) => p.maps !== undefined)
    .map(([ref, p]): [string, ReuseportProgram] => [
      p.name !== undefined && p.name !== ref ? `${ref} (${p.name})` : ref,
      p,
    ]);
  if (compiled.length === 0) return;
  const builtinReads = new Set<string>();
  for (const ref of programs.keys())
    if (ref.startsWith("builtin:")) for (const m of BUILTIN_MAPS[ref.slice(8)] ?? []) builtinReads.add(m);
  const fail = (path: string, msg: string): never => {
    throw new ModelError("scenario.map-mismatch", `${path}: ${msg}`);
  };
  sc.maps.forEach((d, i) => {
    const p = `/maps/${i}`;
    const found = compiled.flatMap(([ref, prog]) =>
      (prog.maps ?? []).filter((m) => m.name === d.name).map((m) => ({ ref, m })),
    );
    if (found.length === 0) {
      if (builtinReads.has(d.name)) return;
      const names = compiled
        .map(([ref, prog]) => `${ref} declares ${(prog.maps ?? []).map((m) => m.name).join(", ") || "no maps"}`)
        .join("; ");
      fail(
        `${p}/name`,
        `no policy in this scenario declares a map named ${JSON.stringify(d.name)} (${names}), so nothing would read what is written to it`,
      );
    }
    for (const { ref, m } of found) {
      if (m.type !== MAP_TYPE_NUMBERS[d.type])
        fail(`${p}/type`, `policy ${ref} declares ${d.name} as a ${kindName(m.type)}, the scenario as a ${d.type}`);
      if (d.keySize !== undefined && d.keySize !== m.keySize)
        fail(
          `${p}/keySize`,
          `policy ${ref} declares ${d.name} with ${m.keySize}-byte keys, the scenario with ${d.keySize}`,
        );
      if (d.valueSize !== undefined && d.valueSize !== m.valueSize)
        fail(
          `${p}/valueSize`,
          `policy ${ref} declares ${d.name} with ${m.valueSize}-byte values, the scenario with ${d.valueSize}`,
        );
      if (d.maxEntries > m.maxEntries)
        fail(
          `${p}/maxEntries`,
          `policy ${ref} declares ${d.name} with max_entries ${m.maxEntries}, the scenario with ${d.maxEntries}`,
        );
    }
  });
}
