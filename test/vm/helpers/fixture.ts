/** Test support: an address space with maps, a context, a helper env and a scratch region. */
import { ReuseportContext, type ReuseportInput } from "../../../src/vm/context.js";
import type { HelperFn } from "../../../src/vm/helper-abi.js";
import { createHelperTable, HelperEnv, VirtualClock } from "../../../src/vm/helpers/index.js";
import { AddressSpace, type Region } from "../../../src/vm/memory.js";
import { MapTable } from "../../../src/vm/maps/index.js";
import { SK_REUSEPORT } from "../../../src/vm/program-type.js";
import { StaticSocket } from "../../../src/vm/socket.js";

export interface Fixture {
  mem: AddressSpace;
  maps: MapTable;
  env: HelperEnv;
  ctx: ReuseportContext;
  scratch: Region;
  helper(id: number): HelperFn;
  fill(input?: Partial<ReuseportInput>): void;
}

export function fixture(seed = 1): Fixture {
  const mem = new AddressSpace();
  const maps = new MapTable(mem);
  const ctx = new ReuseportContext(mem);
  const env = new HelperEnv({ maps, seed, clock: new VirtualClock(0), ctx });
  const scratch = mem.add("scratch", new Uint8Array(64), true);
  const table = createHelperTable(env, SK_REUSEPORT);
  return {
    mem,
    maps,
    env,
    ctx,
    scratch,
    helper: (id) => table.get(id)!,
    fill: (input) => ctx.fill({ sk: new StaticSocket(1n), migratingSk: null, hash: 0, ...input }),
  };
}
