/**
 * What `simulate --json` shows beyond counts: the socks[] of each reuseport group
 * after every listen, shutdown and close; the program calls (time, hook, ctx fields, verdict,
 * selected socket); and the maps' contents at the end. Each list is bounded (a 10M-connection
 * run calls a program millions of times): past its limit entries are counted, not kept.
 * `mapsTable` prints the map contents as text (for a `--maps` option of the table output).
 */
import type { VmSocket } from "../vm/socket.js";
import { NO_GROUP, type ReuseportGroup } from "./group.js";
import type { ModelMaps } from "./model-maps.js";
import type { ReuseportProgram, ReuseportRunInput, ReuseportRunResult } from "./program.js";
import { isSocketMapType } from "./scenario.js";
import { Flow, Listener } from "./sockets.js";
import type { TcpStack } from "./stack.js";

/** Entries kept per list; the rest are counted in `dropped`. */
export const TRACE_LIMIT = 10_000;
/** socks[] names kept over all snapshots. */
export const SOCKS_NAME_LIMIT = 1_000_000;

export interface GroupSnapshot {
  readonly id: number;
  readonly bindInany: boolean;
  /** socks[0 .. num_socks-1], by listener name. */
  readonly listening: string[];
  /** The closed section, socks[max_socks-num_closed_socks ..]. */
  readonly closed: string[];
}

export interface SocksSnapshot {
  readonly atMs: number;
  /** The event: "listen L3", "close L0", "shutdown L1". */
  readonly after: string;
  /** The groups it touched (none when the listener was in none, e.g. a close after shutdown freed it). */
  readonly groups: GroupSnapshot[];
}

export interface ProgramCall {
  readonly atMs: number;
  /** "select": a new SYN (or cookie ACK) picks a listener; "migrate": a closed listener's request or child. */
  readonly hook: "select" | "migrate";
  readonly policy: string;
  /** The connection the call is about (its record id), when known. */
  readonly connection: number | null;
  readonly ctx: {
    readonly len: number;
    readonly hash: number;
    readonly bindInany: boolean;
    readonly sk: string;
    readonly migratingSk: string | null;
  };
  readonly verdict: number;
  readonly selected: string | null;
}

export type MapValueOut = number | { readonly listener: string; readonly cookie: number };

export interface MapContents {
  readonly name: string;
  /** "scenario" for the model's maps (what the scenario and publishing wrote); else the policy reference. */
  readonly owner: string;
  readonly type: string;
  readonly entries: { readonly key: number | string; readonly value: MapValueOut | string }[];
  /** Entries past TRACE_LIMIT, not listed. */
  readonly more: number;
}

export interface TraceResult {
  readonly socks: SocksSnapshot[];
  readonly socksDropped: number;
  readonly programCalls: ProgramCall[];
  readonly programCallsDropped: number;
}

/** A policy's own maps, dumped at the end (a compiled policy's VM maps). */
export interface DumpableProgram extends ReuseportProgram {
  dumpMaps?(): MapContents[];
}

export class SimTrace {
  readonly socks: SocksSnapshot[] = [];
  socksDropped = 0;
  private socksNames = 0;
  readonly programCalls: ProgramCall[] = [];
  programCallsDropped = 0;
  /** The connection being handled (set by the simulator around each packet or timer). */
  connection: number | null = null;

  constructor(private readonly st: TcpStack) {}

  /** socks[] of the groups an event touched (the listener's group before and after it). */
  snapshot(after: string, touched: readonly ReuseportGroup[]): void {
    if (this.socksNames >= SOCKS_NAME_LIMIT) {
      this.socksDropped++;
      return;
    }
    const groups: GroupSnapshot[] = [];
    for (const g of touched) {
      if (g === NO_GROUP || g.freed || groups.some((x) => x.id === g.id)) continue;
      const listening = g.listening().map((s) => s.name);
      const closed = g.closed().map((s) => s.name);
      this.socksNames += listening.length + closed.length;
      groups.push({ id: g.id, bindInany: g.bindInany, listening, closed });
    }
    this.socks.push({ atMs: this.st.now / 1000, after, groups });
  }

  /** `prog` with every call recorded (up to the limit); the same decisions. */
  traced(prog: ReuseportProgram, ref: string): ReuseportProgram {
    const record = (
      sk: VmSocket,
      m: VmSocket | null,
      hash: number,
      len: number,
      bindInany: boolean,
      out: ReuseportRunResult,
    ): void => {
      if (this.programCalls.length >= TRACE_LIMIT) {
        this.programCallsDropped++;
        return;
      }
      const flow = m !== null && "flow" in m ? (m as { flow: unknown }).flow : null;
      this.programCalls.push({
        atMs: this.st.now / 1000,
        hook: m === null ? "select" : "migrate",
        policy: ref,
        connection: flow instanceof Flow ? flow.id : this.connection,
        ctx: {
          len,
          hash: hash >>> 0,
          bindInany,
          sk: nameOf(sk),
          migratingSk: m === null ? null : m.state === 12 ? "request" : "child",
        },
        verdict: out.ret,
        selected: out.selected === null ? null : nameOf(out.selected),
      });
    };
    const wrapped: DumpableProgram = {
      attachType: prog.attachType,
      ...(prog.progType !== undefined ? { progType: prog.progType } : {}),
      ...(prog.name !== undefined ? { name: prog.name } : {}),
      ...(prog.maps !== undefined ? { maps: prog.maps } : {}),
      run(i: ReuseportRunInput): ReuseportRunResult {
        const out = prog.run(i);
        record(i.sk, i.migratingSk, i.hash, i.len, i.bindInany, out);
        return out;
      },
    };
    if (prog.runArgs !== undefined) {
      const runArgs = prog.runArgs.bind(prog);
      wrapped.runArgs = (sk, m, hash, len, bindInany): ReuseportRunResult => {
        const out = runArgs(sk, m, hash, len, bindInany);
        record(sk, m, hash, len, bindInany, out);
        return out;
      };
    }
    return wrapped;
  }

  result(): TraceResult {
    return {
      socks: this.socks,
      socksDropped: this.socksDropped,
      programCalls: this.programCalls,
      programCallsDropped: this.programCallsDropped,
    };
  }
}

/** A listener's name. Never a cookie: reading one assigns it, and the trace must change nothing. */
function nameOf(s: VmSocket): string {
  return s instanceof Listener ? s.name : "a non-listener socket";
}

/** The model's maps (scenario writes and publishing), listeners shown with their cookies. */
export function modelMapContents(maps: ModelMaps): MapContents[] {
  return maps.all().map((m) => {
    const entries: MapContents["entries"][number][] = [];
    let more = 0;
    for (const [key, v] of m.entries) {
      if (entries.length >= TRACE_LIMIT) {
        more++;
        continue;
      }
      entries.push({ key, value: typeof v === "number" ? v : { listener: v.name, cookie: Number(v.cookie) } });
    }
    if (!isSocketMapType(m.decl.type)) entries.sort((a, b) => (a.key as number) - (b.key as number));
    return { name: m.decl.name, owner: "scenario", type: m.decl.type, entries, more };
  });
}

/** Map contents as a text table: one block per map, `key  value` lines. */
export function mapsTable(maps: readonly MapContents[]): string {
  const out: string[] = [];
  for (const m of maps) {
    out.push(
      `map ${m.name} (${m.type}, ${m.owner}): ${m.entries.length + m.more} ${m.entries.length + m.more === 1 ? "entry" : "entries"}`,
    );
    const w = Math.max(3, ...m.entries.map((e) => String(e.key).length));
    for (const e of m.entries) {
      const v = e.value;
      out.push(
        `  ${String(e.key).padStart(w)}  ${typeof v === "object" ? `${v.listener} (cookie ${v.cookie})` : String(v)}`,
      );
    }
    if (m.more > 0) out.push(`  … ${m.more} more`);
  }
  return out.join("\n");
}
