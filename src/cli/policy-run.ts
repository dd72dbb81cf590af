/**
 * `baton run` for policies (programs with maps or an attach type: .baton, ELF objects): one
 * call of the sk_reuseport hook with a synthetic group of listeners, the way the kernel would
 * run it for a new connection (`migrating_sk` NULL, R10) or a migration (R12 step 5).
 *
 * Every socket map the program declares gets slot i = listener i (as a control plane filling
 * a REUSEPORT_SOCKARRAY would); data maps start empty, global data (.rodata/.data) as the
 * object says. Deliberately not here: packets (ctx `data` is empty) and map contents from the
 * command line — `baton test` blocks and scenarios cover those.
 */
import { InputError, UsageError } from "../errors.js";
import { seedGlobalData } from "../elf/index.js";
import type { EngineFactory } from "../vm/engine.js";
import { MapTable } from "../vm/maps/table.js";
import { u32Key } from "../vm/maps/types.js";
import { errnoName, u64Key } from "../vm/maps/index.js";
import { AddressSpace } from "../vm/memory.js";
import { SkReuseportRuntime } from "../vm/reuseport-runtime.js";
import { StaticSocket, TCP_CLOSE, TCP_ESTABLISHED, TCP_LISTEN, TCP_NEW_SYN_RECV, TCP_SYN_RECV } from "../vm/socket.js";
import type { LoadedProgram } from "./load-program.js";

export interface PolicyRunOptions {
  /** The engine chosen for the gated program (verified-program.ts `engineFor`). */
  readonly engine: EngineFactory;
  readonly hash: number;
  /** State of the migrating socket, or undefined for a new connection. */
  readonly migrate?: string;
  readonly listeners: number;
  readonly len?: number;
  readonly cpu: number;
  readonly seed: number;
  readonly budget?: number;
}

export interface PolicyRunResult {
  readonly ret: number;
  readonly executed: number;
  /** Index of the selected listener, or null when the program selected nothing. */
  readonly selected: number | null;
}

const MIGRATING_STATES: Readonly<Record<string, number>> = {
  established: TCP_ESTABLISHED,
  syn_recv: TCP_SYN_RECV,
  new_syn_recv: TCP_NEW_SYN_RECV,
};

const GROUP_ID = 1;
const LISTENER_COOKIE_BASE = 0x1000n;

export function runPolicyOnce(prog: LoadedProgram, o: PolicyRunOptions): PolicyRunResult {
  const state = o.migrate !== undefined ? MIGRATING_STATES[o.migrate] : undefined;
  if (o.migrate !== undefined && state === undefined) {
    throw new UsageError(`--migrate expects one of ${Object.keys(MIGRATING_STATES).join(", ")}, got '${o.migrate}'`);
  }
  const mem = new AddressSpace();
  const maps = new MapTable(mem);
  for (const spec of prog.maps) maps.create(spec);
  if (prog.globalData !== undefined) seedGlobalData(maps, prog.globalData);
  const listeners = Array.from(
    { length: o.listeners },
    (_, i) => new StaticSocket(LISTENER_COOKIE_BASE + BigInt(i), TCP_LISTEN, GROUP_ID),
  );
  for (const m of maps.list) {
    if (m.kind !== "socket") continue;
    for (let i = 0; i < Math.min(listeners.length, m.maxEntries); i++) {
      const key = m.keySize === 8 ? u64Key(BigInt(i)) : u32Key(i);
      const rc = m.keySize === 4 || m.keySize === 8 ? m.updateSocket(key, listeners[i]!, 0) : -22;
      if (rc < 0)
        throw new InputError(
          "run.map-fill",
          `cannot put listener ${i} into socket map '${m.name}' (fd ${m.fd}) (key size ${m.keySize}): ${errnoName(rc)}`,
        );
    }
  }
  const runtime = new SkReuseportRuntime({
    insns: prog.insns,
    maps,
    engine: o.engine,
    seed: o.seed,
    ...(o.budget !== undefined ? { budget: o.budget } : {}),
  });
  // A migration runs with ctx `sk` = the closed listener (state CLOSE, still in the group's
  // closed section) and `migrating_sk` = the child or request (R12 step 5).
  const closing = new StaticSocket(0xdeadn, TCP_CLOSE, GROUP_ID);
  const input =
    state !== undefined
      ? {
          sk: closing,
          migratingSk: new StaticSocket(0xbeefn, state, null),
          hash: o.hash,
          cpu: o.cpu,
          ...(o.len !== undefined ? { len: o.len } : {}),
        }
      : {
          sk: listeners[0] ?? closing,
          migratingSk: null,
          hash: o.hash,
          cpu: o.cpu,
          ...(o.len !== undefined ? { len: o.len } : {}),
        };
  const r = runtime.select(input);
  const selected = r.selected === null ? null : listeners.indexOf(r.selected as StaticSocket);
  return { ret: r.ret, executed: runtime.engine.executed, selected: selected === -1 ? null : selected };
}

export function isPolicy(prog: LoadedProgram): boolean {
  return prog.maps.length > 0 || prog.attachType !== undefined;
}
