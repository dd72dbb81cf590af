/**
 * CASES.json: tests for a program written in any language (README "UDP, IPv6 and packet
 * bytes" documents the format). Each case gets a fresh group and fresh maps: the file's
 * `maps`, then the case's, then its events in order (select, migrate, close, map writes), each
 * with an optional `expect`; `expectMaps` is checked at the end. Every error in the file is
 * located: `file:line:col` of the value, with its JSON pointer in the message.
 */
import { BatonError, ModelError } from "../errors.js";
import {
  ReuseportTestGroup,
  toBytes,
  type MapKey,
  type MapValue,
  type SendOptions,
  type SocketOptions,
  type Verdict,
} from "./group.js";
import { jsonPositions, locate, type TextPos } from "../model/json-locate.js";
import type { ProgramSource } from "./load.js";

export interface CasesFile {
  readonly group: {
    readonly protocol?: "udp" | "tcp";
    readonly address?: string;
    readonly port?: number;
    readonly v6only?: boolean;
    readonly seed?: number;
    readonly sockets: readonly (string | SocketOptions)[];
  };
  readonly maps?: Readonly<Record<string, readonly MapEntry[]>>;
  readonly cases: readonly Case[];
}

interface MapEntry {
  readonly key: MapKey;
  /** A number, hex, { socket: NAME }, or null (absent; for expectMaps). */
  readonly value?: MapValue | null;
  readonly socket?: string;
}

interface Expect {
  readonly socket?: string | null;
  readonly kernelPick?: boolean;
  readonly drop?: boolean | string;
  readonly how?: string;
  readonly ret?: number;
}

type Event =
  | { readonly select: SendOptions; readonly expect?: Expect }
  | {
      readonly migrate: { readonly from: string; readonly state?: "request" | "established"; readonly hash?: number };
      readonly expect?: Expect;
    }
  | { readonly close: string }
  | { readonly map: string; readonly key: MapKey; readonly value?: MapValue | null; readonly socket?: string };

interface Case {
  readonly name: string;
  readonly maps?: Readonly<Record<string, readonly MapEntry[]>>;
  readonly events: readonly Event[];
  readonly expectMaps?: Readonly<Record<string, readonly MapEntry[]>>;
}

export interface CaseFailure {
  readonly pointer: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export interface CaseResult {
  readonly name: string;
  readonly passed: boolean;
  readonly events: number;
  readonly failures: readonly CaseFailure[];
}

/** A CASES.json error at a JSON pointer. */
export class CasesError extends ModelError {
  constructor(
    file: string,
    pos: TextPos,
    readonly pointer: string,
    message: string,
  ) {
    super("cases.invalid", `${pointer}: ${message}`, { file, line: pos.line, col: pos.col });
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Parse and check a CASES.json text: shapes, and that every socket named is one of the group's. */
export function parseCases(text: string, file: string): { cases: CasesFile; at: (ptr: string) => TextPos } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const off = m !== null ? Number(m[1]) : 0;
    const before = text.slice(0, off).split("\n");
    throw new ModelError("cases.json", `not JSON: ${(e as Error).message}`, {
      file,
      line: before.length,
      col: before[before.length - 1]!.length + 1,
    });
  }
  const positions = jsonPositions(text);
  const at = (ptr: string): TextPos => locate(positions, ptr);
  const fail = (ptr: string, msg: string): never => {
    throw new CasesError(file, at(ptr), ptr, msg);
  };
  if (!isObj(raw)) return fail("", "expected an object with group and cases");
  const group = raw.group;
  if (!isObj(group)) return fail("/group", "expected an object with sockets");
  if (group.protocol !== undefined && group.protocol !== "udp" && group.protocol !== "tcp")
    fail("/group/protocol", `expected "udp" or "tcp", got ${JSON.stringify(group.protocol)}`);
  if (!Array.isArray(group.sockets) || group.sockets.length === 0)
    return fail("/group/sockets", "expected a non-empty array of socket names");
  const names = new Set<string>();
  group.sockets.forEach((s: unknown, i: number) => {
    const n =
      typeof s === "string"
        ? s
        : isObj(s) && typeof s.name === "string"
          ? s.name
          : fail(`/group/sockets/${i}`, "expected a name or { name, address?, v6only?, rcvbuf? }");
    if (names.has(n)) fail(`/group/sockets/${i}`, `socket '${n}' is named twice`);
    names.add(n);
  });
  const sock = (v: unknown, ptr: string): void => {
    if (typeof v !== "string") return void fail(ptr, `expected a socket name, got ${JSON.stringify(v)}`);
    if (!names.has(v)) fail(ptr, `no socket named '${v}' in the group (sockets: ${[...names].join(", ")})`);
  };
  const entries = (m: unknown, ptr: string, expect: boolean): void => {
    if (m === undefined) return;
    if (!isObj(m)) return void fail(ptr, "expected an object of map name → [{ key, value | socket }]");
    for (const [name, list] of Object.entries(m)) {
      const p = `${ptr}/${name}`;
      if (!Array.isArray(list)) fail(p, "expected an array of { key, value } entries");
      (list as unknown[]).forEach((e, i) => {
        if (!isObj(e) || !("key" in e)) return void fail(`${p}/${i}`, "expected { key, value } or { key, socket }");
        keyOrValue(e.key, `${p}/${i}/key`);
        if (e.socket !== undefined) sock(e.socket, `${p}/${i}/socket`);
        else if (isObj(e.value)) sock(e.value.socket, `${p}/${i}/value/socket`);
        else if (!(expect && e.value === null)) keyOrValue(e.value, `${p}/${i}/value`);
      });
    }
  };
  const keyOrValue = (v: unknown, ptr: string): void => {
    if (
      typeof v === "number"
        ? !Number.isInteger(v)
        : typeof v === "string"
          ? !/^(0x)?([0-9a-fA-F]{2})+$/.test(v.replace(/[\s:]/g, ""))
          : true
    ) {
      fail(ptr, `expected an integer or hex bytes (an even number of hex digits), got ${JSON.stringify(v)}`);
    }
  };
  entries(raw.maps, "/maps", false);
  if (!Array.isArray(raw.cases)) return fail("/cases", "expected an array of cases");
  raw.cases.forEach((c: unknown, ci: number) => {
    const cp = `/cases/${ci}`;
    if (!isObj(c) || typeof c.name !== "string") return void fail(cp, "expected { name, events, maps?, expectMaps? }");
    entries(c.maps, `${cp}/maps`, false);
    entries(c.expectMaps, `${cp}/expectMaps`, true);
    if (!Array.isArray(c.events)) return void fail(`${cp}/events`, "expected an array of events");
    c.events.forEach((e: unknown, ei: number) => {
      const ep = `${cp}/events/${ei}`;
      if (!isObj(e)) return void fail(ep, "expected an event object");
      if ("select" in e) {
        const s = e.select;
        if (!isObj(s)) return void fail(`${ep}/select`, "expected { payload? | quic?, from?, srcPort?, cpu?, hash? }");
        for (const k of Object.keys(s))
          if (!["payload", "quic", "from", "to", "srcPort", "cpu", "hash"].includes(k))
            fail(`${ep}/select/${k}`, `unknown field '${k}' (payload, quic, from, to, srcPort, cpu, hash)`);
        if (s.payload !== undefined && typeof s.payload === "string") {
          const t = s.payload.replace(/^0x/i, "").replace(/[\s:]/g, "");
          if (/[^0-9a-fA-F]/.test(t)) fail(`${ep}/select/payload`, "expected hex bytes");
          if (t.length % 2 !== 0)
            fail(
              `${ep}/select/payload`,
              `hex payload has an odd number of digits (${t.length}): the last byte is truncated`,
            );
        }
        if (s.quic !== undefined && (!isObj(s.quic) || typeof s.quic.dcid !== "string"))
          fail(`${ep}/select/quic`, "expected { dcid: HEX, form? }");
      } else if ("migrate" in e) {
        if (group.protocol !== "tcp")
          fail(`${ep}/migrate`, 'the kernel migrates only TCP; set group.protocol to "tcp"');
        if (!isObj(e.migrate)) return void fail(`${ep}/migrate`, "expected { from, state? }");
        sock(e.migrate.from, `${ep}/migrate/from`);
      } else if ("close" in e) sock(e.close, `${ep}/close`);
      else if ("map" in e) {
        keyOrValue(e.key, `${ep}/key`);
        if (e.socket !== undefined) sock(e.socket, `${ep}/socket`);
        else if (e.value !== null && e.value !== undefined) keyOrValue(e.value, `${ep}/value`);
      } else fail(ep, "expected one of select, migrate, close, map");
      if (isObj(e.expect)) {
        const x = e.expect;
        if (x.socket !== undefined && x.socket !== null) sock(x.socket, `${ep}/expect/socket`);
        for (const k of Object.keys(x))
          if (!["socket", "kernelPick", "drop", "how", "ret"].includes(k))
            fail(`${ep}/expect/${k}`, `unknown field '${k}' (socket, kernelPick, drop, how, ret)`);
      } else if (e.expect !== undefined) fail(`${ep}/expect`, "expected { socket? , kernelPick?, drop?, how?, ret? }");
    });
  });
  return { cases: raw as unknown as CasesFile, at };
}

const entryValue = (e: MapEntry): MapValue => (e.socket !== undefined ? { socket: e.socket } : (e.value as MapValue));

/** Run every case against a fresh group with `program` loaded. */
export async function runCases(
  program: ProgramSource,
  text: string,
  file: string,
  engine = "interp",
): Promise<CaseResult[]> {
  const { cases, at } = parseCases(text, file);
  const results: CaseResult[] = [];
  for (let ci = 0; ci < cases.cases.length; ci++) {
    const c = cases.cases[ci]!;
    const cp = `/cases/${ci}`;
    const failures: CaseFailure[] = [];
    const failAt = (ptr: string, message: string): void => {
      const pos = at(ptr);
      failures.push({ pointer: ptr, line: pos.line, col: pos.col, message });
    };
    const g = new ReuseportTestGroup({ ...cases.group, ...(engine !== undefined ? { engine } : {}) });
    await g.load(program);
    const located = <T>(ptr: string, f: () => T): T => {
      try {
        return f();
      } catch (e) {
        if (e instanceof BatonError && !(e instanceof CasesError)) throw new CasesError(file, at(ptr), ptr, e.message);
        throw e;
      }
    };
    const setAll = (maps: CasesFile["maps"], ptr: string): void => {
      for (const [name, list] of Object.entries(maps ?? {}))
        list.forEach((e, i) => located(`${ptr}/${name}/${i}`, () => g.setMap(name, e.key, entryValue(e))));
    };
    setAll(cases.maps, "/maps");
    setAll(c.maps, `${cp}/maps`);
    c.events.forEach((e, ei) => {
      const ep = `${cp}/events/${ei}`;
      let v: Verdict | null = null;
      if ("select" in e) v = located(`${ep}/select`, () => g.send(e.select));
      else if ("migrate" in e) v = located(`${ep}/migrate`, () => g.migrate(e.migrate));
      else if ("close" in e) located(`${ep}/close`, () => g.close(e.close));
      else
        located(ep, () => {
          if (e.value === null) g.deleteMap(e.map, e.key);
          else g.setMap(e.map, e.key, e.socket !== undefined ? { socket: e.socket } : (e.value as MapValue));
        });
      const x = "expect" in e ? e.expect : undefined;
      if (v !== null && x !== undefined) {
        const got = v.socket === null ? `drop (${v.drop})` : `socket ${v.socket} (${v.how})`;
        const bad = (field: string, want: string): void =>
          failAt(`${ep}/expect/${field}`, `event ${ei}: expected ${want}, got ${got}`);
        if (x.socket !== undefined && x.socket !== v.socket)
          bad("socket", x.socket === null ? "no socket" : `socket ${x.socket}`);
        if (x.kernelPick !== undefined && (v.how === "hash") !== x.kernelPick)
          bad("kernelPick", x.kernelPick ? "the kernel's hash pick" : "a choice by the program");
        if (x.drop !== undefined) {
          const dropped = v.socket === null || v.drop !== null;
          if (typeof x.drop === "string" ? v.drop !== x.drop : dropped !== x.drop)
            bad("drop", x.drop === true ? "a drop" : x.drop === false ? "no drop" : `drop (${x.drop})`);
        }
        if (x.how !== undefined && x.how !== v.how) bad("how", `how ${x.how}`);
        if (x.ret !== undefined && x.ret !== v.ret) bad("ret", `program return ${x.ret} (got ${v.ret})`);
      }
    });
    for (const [name, list] of Object.entries(c.expectMaps ?? {})) {
      list.forEach((e, i) => {
        const ptr = `${cp}/expectMaps/${name}/${i}`;
        const got = located(ptr, () => g.lookupMap(name, e.key));
        const want = e.socket ?? (isObj(e.value) ? (e.value as { socket: string }).socket : e.value);
        const show = (v: unknown): string =>
          v === null || v === undefined
            ? "absent"
            : v instanceof Uint8Array
              ? Buffer.from(v).toString("hex")
              : String(v);
        let ok: boolean;
        if (want === null) ok = got === null;
        else if (typeof want === "string" && names(cases).has(want)) ok = got === want;
        else if (got === null || typeof got === "string") ok = false;
        else
          ok = Buffer.from(got).equals(
            Buffer.from(located(ptr, () => toValueBytes(want as MapValue, got.length, name))),
          );
        if (!ok)
          failAt(
            `${ptr}/${e.socket !== undefined ? "socket" : "value"}`,
            `map ${name}[${show(e.key)}]: expected ${show(want)}, got ${show(got)}`,
          );
      });
    }
    results.push({ name: c.name, passed: failures.length === 0, events: c.events.length, failures });
  }
  return results;
}

const names = (c: CasesFile): Set<string> => new Set(c.group.sockets.map((s) => (typeof s === "string" ? s : s.name)));

function toValueBytes(v: MapValue, size: number, map: string): Uint8Array {
  if (typeof v === "object" && !(v instanceof Uint8Array))
    throw new ModelError("cases.value", `map ${map} holds data, not sockets`);
  return toBytes(v, size, `map ${map} value`);
}
