/**
 * The kernel socket scenario: a flat list of steps that `native/reuseport_harness` runs on real
 * loopback sockets and that the socket model (src/model) can replay. Two equivalent forms: the
 * structured `KernelScenario` (for code and JSON files) and the line script the harness reads
 * (`listen 0 backlog 8`, `connect 20 data`, …; grammar in native/README.md).
 *
 * Validation happens here, before any socket exists: every bound the harness enforces
 * (≤ 16 listeners, ≤ 100 clients, ≤ 256 steps, sleeps ≤ 3000 ms, ≤ 20 s of waiting overall)
 * is checked with an expected-vs-actual message naming the step.
 * Families: a `family` step first (4, 6 or dual; native/README.md) puts every socket on ::1, or
 * AF_INET6 listeners on :: with IPv4 clients; the default is IPv4 on 127.0.0.1.
 * Deliberately absent: UDP, per-client addresses (all clients share one address).
 */
import { ParseError, ModelError, type SourceSpan } from "../errors.js";
import { plural } from "../plural.js";

export type KernelStep =
  | {
      readonly op: "listen";
      readonly listener: number;
      readonly backlog?: number;
      readonly deferAcceptSec?: number;
      readonly fastOpenQlen?: number;
    }
  | {
      readonly op: "connect";
      readonly count: number;
      readonly data?: boolean;
      readonly fastOpen?: boolean;
      readonly waitMs?: number;
    }
  | { readonly op: "send"; readonly clients?: readonly number[] }
  | { readonly op: "close"; readonly listener: number }
  | { readonly op: "shutdown"; readonly listener: number }
  | { readonly op: "sysctl"; readonly name: string; readonly value: number }
  | { readonly op: "sockarray"; readonly map: number; readonly maxEntries: number }
  | {
      readonly op: "map";
      readonly map: number;
      readonly type: number;
      readonly keySize: number;
      readonly valueSize: number;
      readonly maxEntries: number;
      readonly flags?: number;
    }
  | { readonly op: "slot"; readonly map: number; readonly key: number; readonly listener: number }
  | {
      readonly op: "attach";
      readonly listener: number;
      readonly attachType: number;
      readonly program: Uint8Array | string;
    }
  | { readonly op: "detach"; readonly listener: number }
  | { readonly op: "sleep"; readonly ms: number }
  /** Attach the built-in hash recorder (attach type 39, SK_PASS, no selection) to the listener's group. */
  | { readonly op: "hashes"; readonly listener: number }
  | { readonly op: "accept" }
  | { readonly op: "queues" }
  /** Before any listen or connect: IPv4 (default), IPv6 on ::1, or dual-stack listeners on :: with IPv4 clients. */
  | { readonly op: "family"; readonly family: KernelFamily };

export type KernelFamily = "4" | "6" | "dual";
const FAMILIES: readonly KernelFamily[] = ["4", "6", "dual"];

export interface KernelScenario {
  readonly name?: string;
  readonly steps: readonly KernelStep[];
}

export const LIMITS = {
  listeners: 16,
  clients: 100,
  steps: 256,
  sleepMs: 3000,
  totalWaitMs: 20_000,
  defaultWaitMs: 1000,
} as const;

const hex = (p: Uint8Array | string): string =>
  typeof p === "string" ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString("hex");

function fail(index: number, step: KernelStep, message: string): never {
  throw new ModelError("kernel.scenario", `step ${index} (${step.op}): ${message}`);
}

function intIn(index: number, step: KernelStep, what: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi)
    fail(index, step, `${what} must be an integer from ${lo} to ${hi}, got ${JSON.stringify(v)}`);
  return v;
}

/** Check every bound the harness enforces; throws ModelError naming the step. */
export function validateScenario(s: KernelScenario): void {
  if (s.steps.length > LIMITS.steps)
    throw new ModelError("kernel.scenario", `a scenario has at most ${LIMITS.steps} steps, got ${s.steps.length}`);
  let clients = 0;
  let waited = 0;
  let sockets = false;
  s.steps.forEach((step, i) => {
    if (step.op === "listen" || step.op === "connect") sockets = true;
    const L = LIMITS.listeners - 1;
    switch (step.op) {
      case "listen":
        intIn(i, step, "listener", step.listener, 0, L);
        if (step.backlog !== undefined) intIn(i, step, "backlog", step.backlog, 0, 65535);
        if (step.deferAcceptSec !== undefined) intIn(i, step, "deferAcceptSec", step.deferAcceptSec, 0, 3600);
        if (step.fastOpenQlen !== undefined) intIn(i, step, "fastOpenQlen", step.fastOpenQlen, 0, 65535);
        break;
      case "connect":
        clients += intIn(i, step, "count", step.count, 1, LIMITS.clients);
        if (clients > LIMITS.clients)
          fail(i, step, `at most ${LIMITS.clients} clients in a scenario, this step brings it to ${clients}`);
        waited +=
          step.waitMs === undefined ? LIMITS.defaultWaitMs : intIn(i, step, "waitMs", step.waitMs, 0, LIMITS.sleepMs);
        break;
      case "send":
        for (const c of step.clients ?? []) intIn(i, step, "client", c, 0, clients - 1);
        break;
      case "close":
      case "shutdown":
      case "detach":
      case "hashes":
        intIn(i, step, "listener", step.listener, 0, L);
        break;
      case "sysctl":
        if (!/^net\.[a-z0-9_]+(\.[a-z0-9_]+)+$/.test(step.name))
          fail(i, step, `name must look like net.ipv4.tcp_migrate_req, got '${step.name}'`);
        intIn(i, step, "value", step.value, -2147483648, 2147483647);
        break;
      case "sockarray":
        intIn(i, step, "map", step.map, -2147483647, 2147483647);
        intIn(i, step, "maxEntries", step.maxEntries, 1, 65536);
        break;
      case "map":
        intIn(i, step, "map", step.map, -2147483647, 2147483647);
        intIn(i, step, "type", step.type, 0, 1000);
        intIn(i, step, "keySize", step.keySize, 1, 512);
        intIn(i, step, "valueSize", step.valueSize, 1, 65536);
        intIn(i, step, "maxEntries", step.maxEntries, 1, 65536);
        if (step.flags !== undefined) intIn(i, step, "flags", step.flags, 0, 0x7fffffff);
        break;
      case "slot":
        intIn(i, step, "map", step.map, -2147483647, 2147483647);
        intIn(i, step, "key", step.key, 0, 0xffffffff);
        intIn(i, step, "listener", step.listener, 0, L);
        break;
      case "attach": {
        intIn(i, step, "listener", step.listener, 0, L);
        intIn(i, step, "attachType", step.attachType, 0, 1000);
        const h = hex(step.program);
        if (!/^([0-9a-f]{16})+$/i.test(h))
          fail(i, step, `program must be a non-empty multiple of 8 bytes (hex), got ${plural(h.length / 2, "byte")}`);
        break;
      }
      case "sleep":
        waited += intIn(i, step, "ms", step.ms, 0, LIMITS.sleepMs);
        break;
      case "accept":
      case "queues":
        break;
      case "family":
        if (!FAMILIES.includes(step.family))
          fail(i, step, `family must be one of ${FAMILIES.join(", ")}, got ${JSON.stringify(step.family)}`);
        if (sockets) fail(i, step, "family must come before any listen or connect");
        break;
      default:
        throw new ModelError(
          "kernel.scenario",
          `step ${i}: unknown op ${JSON.stringify((step as { op: unknown }).op)}`,
        );
    }
    if (waited > LIMITS.totalWaitMs)
      fail(i, step, `waiting (sleeps + connect waits) totals ${waited} ms, above the ${LIMITS.totalWaitMs} ms bound`);
  });
}

/** The harness's line script for a (validated) scenario. */
export function renderScript(s: KernelScenario): string {
  const lines = s.steps.map((st): string => {
    switch (st.op) {
      case "listen":
        return [
          `listen ${st.listener}`,
          st.backlog !== undefined ? ` backlog ${st.backlog}` : "",
          st.deferAcceptSec !== undefined ? ` defer ${st.deferAcceptSec}` : "",
          st.fastOpenQlen !== undefined ? ` fastopen ${st.fastOpenQlen}` : "",
        ].join("");
      case "connect":
        return [
          `connect ${st.count}`,
          st.data === true ? " data" : "",
          st.fastOpen === true ? " fastopen" : "",
          st.waitMs !== undefined ? ` wait ${st.waitMs}` : "",
        ].join("");
      case "send":
        return st.clients === undefined ? "send all" : `send ${st.clients.join(" ")}`;
      case "close":
      case "shutdown":
      case "detach":
      case "hashes":
        return `${st.op} ${st.listener}`;
      case "sysctl":
        return `sysctl ${st.name} ${st.value}`;
      case "sockarray":
        return `sockarray ${st.map} ${st.maxEntries}`;
      case "map":
        return `map ${st.map} ${st.type} ${st.keySize} ${st.valueSize} ${st.maxEntries} ${st.flags ?? 0}`;
      case "slot":
        return `slot ${st.map} ${st.key} ${st.listener}`;
      case "attach":
        return `attach ${st.listener} ${st.attachType} ${hex(st.program).toLowerCase()}`;
      case "sleep":
        return `sleep ${st.ms}`;
      case "accept":
      case "queues":
        return st.op;
      case "family":
        return `family ${st.family}`;
    }
  });
  return lines.join("\n") + "\n";
}

/** Parse the line script (native/README.md) into a scenario; errors carry file:line:col. */
export function parseScript(text: string, file = "<script>"): KernelScenario {
  const steps: KernelStep[] = [];
  text.split(/\r?\n/).forEach((raw, li) => {
    const line = raw.replace(/#.*$/, "");
    const toks: { t: string; col: number }[] = [];
    for (const m of line.matchAll(/\S+/g)) toks.push({ t: m[0], col: (m.index ?? 0) + 1 });
    if (toks.length === 0) return;
    const at = (k: number): SourceSpan => ({
      file,
      line: li + 1,
      col: toks[Math.min(k, toks.length - 1)]!.col + (k >= toks.length ? toks[toks.length - 1]!.t.length : 0),
      length: k < toks.length ? toks[k]!.t.length : 1,
    });
    const int = (k: number, what: string): number => {
      const tok = toks[k];
      if (tok === undefined)
        throw new ParseError("kernel.script", `'${toks[0]!.t}' expects ${what} here, got end of line`, at(k));
      const v = /^-?(0x[0-9a-f]+|\d+)$/i.test(tok.t) ? Number(tok.t) : Number.NaN;
      if (!Number.isSafeInteger(v))
        throw new ParseError("kernel.script", `expected ${what} (an integer), got '${tok.t}'`, at(k));
      return v;
    };
    const op = toks[0]!.t;
    const opts = (from: number, allowed: Record<string, boolean>): Map<string, number | true> => {
      const out = new Map<string, number | true>();
      for (let k = from; k < toks.length; k++) {
        const name = toks[k]!.t;
        if (!(name in allowed))
          throw new ParseError(
            "kernel.script",
            `unknown ${op} option '${name}', expected one of ${Object.keys(allowed).join(", ")}`,
            at(k),
          );
        out.set(name, allowed[name] === true ? int(++k, `a value for '${name}'`) : true);
      }
      return out;
    };
    const num = (m: Map<string, number | true>, k: string): number | undefined => {
      const v = m.get(k);
      return typeof v === "number" ? v : undefined;
    };
    switch (op) {
      case "listen": {
        const o = opts(2, { backlog: true, defer: true, fastopen: true });
        const s: { op: "listen"; listener: number; backlog?: number; deferAcceptSec?: number; fastOpenQlen?: number } =
          { op, listener: int(1, "a listener number") };
        if (num(o, "backlog") !== undefined) s.backlog = num(o, "backlog")!;
        if (num(o, "defer") !== undefined) s.deferAcceptSec = num(o, "defer")!;
        if (num(o, "fastopen") !== undefined) s.fastOpenQlen = num(o, "fastopen")!;
        steps.push(s);
        break;
      }
      case "connect": {
        const o = opts(2, { data: false, fastopen: false, wait: true });
        const s: { op: "connect"; count: number; data?: boolean; fastOpen?: boolean; waitMs?: number } = {
          op,
          count: int(1, "a client count"),
        };
        if (o.has("data")) s.data = true;
        if (o.has("fastopen")) s.fastOpen = true;
        if (num(o, "wait") !== undefined) s.waitMs = num(o, "wait")!;
        steps.push(s);
        break;
      }
      case "send":
        steps.push(
          toks.length === 1 || (toks.length === 2 && toks[1]!.t === "all")
            ? { op }
            : { op, clients: toks.slice(1).map((_, k) => int(k + 1, "a client number")) },
        );
        break;
      case "close":
      case "shutdown":
      case "detach":
      case "hashes":
        steps.push({ op, listener: int(1, "a listener number") });
        break;
      case "sysctl":
        if (toks[1] === undefined)
          throw new ParseError(
            "kernel.script",
            "'sysctl' expects a name like net.ipv4.tcp_migrate_req, got end of line",
            at(1),
          );
        steps.push({ op, name: toks[1].t, value: int(2, "a value") });
        break;
      case "sockarray":
        steps.push({ op, map: int(1, "a map number"), maxEntries: int(2, "max_entries") });
        break;
      case "map":
        steps.push({
          op,
          map: int(1, "a map number"),
          type: int(2, "a map type"),
          keySize: int(3, "key size"),
          valueSize: int(4, "value size"),
          maxEntries: int(5, "max_entries"),
          flags: toks.length > 6 ? int(6, "flags") : 0,
        });
        break;
      case "slot":
        steps.push({ op, map: int(1, "a map number"), key: int(2, "a key"), listener: int(3, "a listener number") });
        break;
      case "attach":
        if (toks[3] === undefined)
          throw new ParseError("kernel.script", "'attach' expects the program as hex, got end of line", at(3));
        steps.push({
          op,
          listener: int(1, "a listener number"),
          attachType: int(2, "an attach type"),
          program: toks[3].t,
        });
        break;
      case "sleep":
        steps.push({ op, ms: int(1, "milliseconds") });
        break;
      case "accept":
      case "queues":
        steps.push({ op });
        break;
      case "family": {
        const f = toks[1]?.t;
        if (f === undefined || !(FAMILIES as readonly string[]).includes(f))
          throw new ParseError(
            "kernel.script",
            `'family' expects one of ${FAMILIES.join(", ")}, got ${f === undefined ? "end of line" : `'${f}'`}`,
            at(1),
          );
        steps.push({ op, family: f as KernelFamily });
        break;
      }
      default:
        throw new ParseError(
          "kernel.script",
          `unknown step '${op}', expected listen, connect, send, close, shutdown, sysctl, sockarray, map, slot, attach, detach, hashes, sleep, accept, queues or family`,
          at(0),
        );
    }
  });
  return { steps };
}
