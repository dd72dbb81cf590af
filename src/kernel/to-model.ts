/**
 * Translates a kernel scenario (step list, src/kernel/scenario.ts) into the socket model's
 * scenario (timed events, src/model/scenario.ts) so one script runs on both and the results can
 * be compared. Each step takes 1 ms of model time (loopback handshakes are sub-millisecond);
 * `sleep` advances by its duration. Recorded kernel hashes (`hashes` step) are passed through
 * as the clients' explicit `hashes`, which makes per-connection targets comparable.
 *
 * Approximations, stated so comparisons read them right:
 * - a `send` to clients that had no data is their data segment at that time (`dataAtMs`): the
 *   handshake completed with a bare ACK at connect, as in the kernel (under TCP_DEFER_ACCEPT it
 *   is dropped and counts TCPDeferAcceptDrop, and the request is "acked");
 * - `accept` sets every live listener's accept rate to "at once" for 0.5 ms, then back to never;
 * - `attach` is supported for programs equal to `KERNEL_BUILTINS` (policy `builtin:NAME`);
 * - `hashes` (a pass-through recorder, attach type 39) and `queues` have no model counterpart;
 * - a port-0 listener coming back on a new port after shutdown (R7) is not modelled;
 * - `family 6` binds the listeners to ::1 and the clients come from ::1; `family dual` binds
 *   them to :: (dual-stack) with IPv4 clients from 127.0.0.1.
 * Anything else unsupported throws a ModelError naming the step.
 */
import { ModelError } from "../errors.js";
import { validateScenario as validateModelScenario, type Scenario } from "../model/scenario.js";
import { KERNEL_BUILTINS } from "./programs.js";
import type { KernelScenario, KernelStep } from "./scenario.js";

const STEP_MS = 1;
const ACCEPT_WINDOW_MS = 0.5;
/** `listen()` backlog the harness uses when a step gives none. */
const DEFAULT_BACKLOG = 128;
const HELLO_BYTES = 12;
const MAP_TYPE_NAMES: Readonly<Record<number, string>> = { 1: "hash", 2: "array" };

export interface ToModelOptions {
  readonly name?: string;
  /** Per client id (in creation order), e.g. `result.clients.map(c => c.hash)`; -1 = unknown. */
  readonly hashes?: readonly number[];
  readonly seed?: number;
}

type Json = Record<string, unknown>;

const hexOf = (p: Uint8Array | string): string =>
  typeof p === "string" ? p.toLowerCase() : Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString("hex");

function builtinFor(attachType: number, program: Uint8Array | string): string | undefined {
  const hex = hexOf(program);
  for (const [name, b] of Object.entries(KERNEL_BUILTINS))
    if (b.attachType === attachType && hexOf(b.program) === hex) return name;
  return undefined;
}

/** The model scenario for `ks`; validated by the model's own validator. */
export function toModelScenario(ks: KernelScenario, opts: ToModelOptions = {}): Scenario {
  const fail = (i: number, st: KernelStep, msg: string): never => {
    throw new ModelError("kernel.to-model", `step ${i} (${st.op}): ${msg}`);
  };
  const sysctls: Json = {};
  const listeners: Json[] = [];
  const clients: (Json & {
    count: number;
    dataBytes: number;
    ackDelayMs: number;
    startMs: number;
    dataAtMs?: number;
  })[] = [];
  const maps: Json[] = [];
  const events: Json[] = [];
  const state = new Map<number, "listen" | "shutdown" | "closed">();
  let t = 0;
  let started = false;
  let nextClient = 0;
  const groupOf: number[] = []; // client id → index in `clients`
  let bind = "127.0.0.1";
  let peer = "127.0.0.1";

  ks.steps.forEach((st, i) => {
    const name = (l: number): string => `L${l}`;
    switch (st.op) {
      case "sysctl": {
        const short = st.name.replace(/^net\.(ipv4|core)\./, "");
        if (short === st.name)
          fail(i, st, `only net.ipv4.* and net.core.* sysctls have model equivalents, got ${st.name}`);
        if (started) events.push({ at: t, do: "sysctl", name: short, value: st.value });
        else sysctls[short] = st.value;
        break;
      }
      case "listen": {
        started = true;
        const s = state.get(st.listener);
        if (s === undefined) {
          listeners.push({
            name: name(st.listener),
            bind,
            backlog: st.backlog ?? DEFAULT_BACKLOG,
            acceptRate: 0,
            listenAt: t,
            deferAcceptSec: st.deferAcceptSec ?? 0,
            fastOpenQlen: st.fastOpenQlen ?? 0,
          });
        } else if (s === "shutdown") {
          events.push({ at: t, do: "listen", listener: name(st.listener), backlog: st.backlog ?? DEFAULT_BACKLOG });
        } else {
          fail(i, st, `listener ${st.listener} is ${s === "listen" ? "already listening" : "closed"}`);
        }
        state.set(st.listener, "listen");
        break;
      }
      case "connect": {
        started = true;
        const ids = Array.from({ length: st.count }, (_, k) => nextClient + k);
        const hashes = opts.hashes === undefined ? undefined : ids.map((id) => opts.hashes![id] ?? -1);
        clients.push({
          name: `c${nextClient}`,
          startMs: t,
          count: st.count,
          rate: 0,
          src: peer,
          dst: peer,
          ackDelayMs: 0,
          fastOpen: st.fastOpen === true,
          dataBytes: st.data === true || st.fastOpen === true ? HELLO_BYTES : 0,
          ...(hashes !== undefined && hashes.every((h) => h >= 0) ? { hashes } : {}),
        });
        for (const id of ids) groupOf[id] = clients.length - 1;
        nextClient += st.count;
        break;
      }
      case "send": {
        const ids = st.clients ?? Array.from({ length: nextClient }, (_, k) => k);
        const groups = new Set(ids.map((id) => groupOf[id]!));
        for (const g of groups) {
          const c = clients[g]!;
          if (c.dataBytes > 0) continue; // data already sent at connect: the listener side saw it then
          if (ids.filter((id) => groupOf[id] === g).length !== c.count)
            fail(
              i,
              st,
              `sending to part of client group ${String(c.name)} has no model equivalent (send to every client of a connect step)`,
            );
          c.dataAtMs = t;
          c.dataBytes = HELLO_BYTES;
        }
        break;
      }
      case "close":
      case "shutdown":
        if (state.get(st.listener) !== "listen" && !(st.op === "close" && state.get(st.listener) === "shutdown"))
          fail(i, st, `listener ${st.listener} is not listening`);
        events.push(
          st.op === "close"
            ? { at: t, do: "close", listener: name(st.listener) }
            : { at: t, do: "shutdown", listener: name(st.listener), how: "rdwr" },
        );
        state.set(st.listener, st.op === "close" ? "closed" : "shutdown");
        break;
      case "attach": {
        const b = builtinFor(st.attachType, st.program);
        if (b === undefined)
          fail(
            i,
            st,
            `the program has no model equivalent; expected one of KERNEL_BUILTINS (${Object.keys(KERNEL_BUILTINS).join(", ")})`,
          );
        events.push({ at: t, do: "attach", via: name(st.listener), policy: `builtin:${b!}` });
        break;
      }
      case "detach":
        events.push({ at: t, do: "detach", via: name(st.listener) });
        break;
      case "sockarray":
        maps.push({ name: `m${st.map}`, type: "sockarray", maxEntries: st.maxEntries });
        break;
      case "map": {
        const type = MAP_TYPE_NAMES[st.type];
        if (type === undefined || st.keySize !== 4)
          fail(
            i,
            st,
            `only hash/array maps with 4-byte keys have model equivalents, got type ${st.type} key ${st.keySize}`,
          );
        maps.push({ name: `m${st.map}`, type, maxEntries: st.maxEntries });
        break;
      }
      case "slot":
        events.push({ at: t, do: "map", map: `m${st.map}`, key: st.key, listener: name(st.listener) });
        break;
      case "accept":
        for (const [l, s] of state) {
          if (s !== "listen") continue;
          events.push({ at: t, do: "accept-rate", listener: name(l), rate: null });
          events.push({ at: t + ACCEPT_WINDOW_MS, do: "accept-rate", listener: name(l), rate: 0 });
        }
        break;
      case "sleep":
        t += st.ms;
        return;
      case "hashes":
      case "queues":
        break;
      case "family":
        bind = st.family === "4" ? "127.0.0.1" : st.family === "6" ? "::1" : "::";
        peer = st.family === "6" ? "::1" : "127.0.0.1";
        return;
    }
    t += STEP_MS;
  });
  const json = {
    name: opts.name ?? ks.name ?? "kernel-scenario",
    seed: opts.seed ?? 1,
    durationMs: t + STEP_MS,
    sysctls,
    listeners,
    clients,
    maps,
    events,
  };
  return validateModelScenario(json, json.name);
}
