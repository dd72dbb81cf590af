/**
 * Seeding global data maps: libbpf writes each `.rodata`/`.data` section's contents into its
 * single-entry ARRAY map (key 0) before loading the program; Baton's runtime must do the same,
 * or `const volatile` knobs read as zero. `.bss` needs nothing (maps start zeroed).
 * Deliberately absent: freezing `.rodata` (the VM has no map freezing; BPF_F_RDONLY_PROG on
 * the spec already makes program writes a verifier error).
 */
import { InputError } from "../errors.js";
import type { MapTable } from "../vm/maps/table.js";
import type { GlobalData } from "./objects.js";

/** Write each section's initial contents into its map (already created in `table`). */
export function seedGlobalData(table: MapTable, data: readonly GlobalData[]): void {
  const zero = new Uint8Array(4);
  for (const g of data) {
    const map = table.byFd(g.fd);
    if (map === undefined || map.kind !== "data")
      throw new InputError(
        "elf.global-data",
        `global data '${g.section}' (fd ${g.fd}) has no data map in the table; create the program's maps first`,
      );
    const rc = map.update(zero, g.data, 0);
    if (rc < 0)
      throw new InputError(
        "elf.global-data",
        `writing the initial contents of '${g.section}' (${g.data.length} bytes) into map fd ${g.fd} failed with errno ${-rc}`,
      );
  }
}
