// Shared fixtures for the model tests: a stack on port 8080 and flows with chosen hashes.
import { Netns, type Sysctls } from "../../src/model/netns.js";
import type { ReuseportProgram, ReuseportRunInput, ReuseportRunResult } from "../../src/model/program.js";
import { Flow, type Listener } from "../../src/model/sockets.js";
import { TcpStack, type LossCause, type MigrationPoint } from "../../src/model/stack.js";
import { receiveAck, receiveSyn } from "../../src/model/tcp-input.js";

export const PORT = 8080;
export const LOCAL = 0x7f000001;

export interface Log {
  migrations: { flow: number; point: MigrationPoint; from: string; to: string }[];
  resets: { flow: number; cause: LossCause }[];
  drops: { flow: number; cause: LossCause }[];
}

export function setup(
  names: string[],
  sysctl: Partial<Sysctls> = {},
  backlog = 128,
): { st: TcpStack; ls: Listener[]; log: Log } {
  const log: Log = { migrations: [], resets: [], drops: [] };
  const st = new TcpStack(new Netns(sysctl), {
    migrated: (f, point, from, to) => log.migrations.push({ flow: f.id, point, from: from.name, to: to.name }),
    reset: (f, cause) => log.resets.push({ flow: f.id, cause }),
    requestDropped: (f, cause) => log.drops.push({ flow: f.id, cause }),
  });
  const ls = names.map((n) => sock(st, n, backlog));
  return { st, ls, log };
}

export function sock(st: TcpStack, name: string, backlog = 128, listen = true): Listener {
  const s = st.socket(name);
  st.bind(s, 0, PORT);
  if (listen) st.listen(s, backlog);
  return s;
}

let nextId = 0;
export function flow(hash: number): Flow {
  nextId++;
  return new Flow(nextId, LOCAL, PORT, 0x0a000001, 10000 + (nextId % 50000), hash >>> 0);
}

/** A completed handshake: the child sits in some accept queue. Returns the flow and the listener. */
export function connect(st: TcpStack, hash: number): { f: Flow; l: string } {
  const f = flow(hash);
  const s = receiveSyn(st, f);
  if (s.kind !== "synack") throw new Error(`expected synack, got ${s.kind}`);
  const a = receiveAck(st, f);
  if (a.kind !== "queued") throw new Error(`expected queued, got ${a.kind}`);
  return { f, l: a.listener.name };
}

/** A half-open connection: the request sits in NEW_SYN_RECV. */
export function halfOpen(st: TcpStack, hash: number): Flow {
  const f = flow(hash);
  const s = receiveSyn(st, f);
  if (s.kind !== "synack") throw new Error(`expected synack, got ${s.kind}`);
  return f;
}

export const names = (ls: readonly (Listener | null)[]): string[] => ls.map((s) => (s === null ? "-" : s.name));

export function prog(
  attachType: 39 | 40,
  fn: (i: ReuseportRunInput) => ReuseportRunResult,
): ReuseportProgram & { calls: ReuseportRunInput[] } {
  const calls: ReuseportRunInput[] = [];
  return {
    attachType,
    calls,
    run(i) {
      calls.push(i);
      return fn(i);
    },
  };
}

/** Hash values that land on index i of n under reciprocal_scale. */
export function hashFor(i: number, n: number): number {
  return Math.floor((i * 2 ** 32) / n) + 1;
}
