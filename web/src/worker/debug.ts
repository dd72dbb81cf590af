/**
 * The step debugger: one run of the policy — an `expect` event of one of its tests, after the
 * test's earlier statements (map writes; earlier events run to completion, so counters carry
 * over as in `baton test`) — on the interpreter. Step k is the state after k instructions:
 * the run is replayed from the start with an instruction budget of k, and the interpreter's
 * budget trap stops it exactly before instruction k+1 (lddw counts once). Forward and back are
 * replays, so nothing is recorded and the engine is the CLI's, unchanged.
 */
import { VmTrap } from "../../../src/errors.js";
import type { CompiledPolicy } from "../../../src/compiler/compile.js";
import type { Stmt } from "../../../src/compiler/ast.js";
import { DEFAULT_LISTENER_COOKIE, DEFAULT_REQUEST_COOKIE, mapWriteOf } from "../../../src/compiler/test-runner.js";
import { VirtualClock } from "../../../src/vm/helpers/env.js";
import { createInterpreter, Interpreter } from "../../../src/vm/interpreter.js";
import { mapKeys, valueBytes } from "../../../src/vm/maps/control.js";
import { MapTable } from "../../../src/vm/maps/table.js";
import { AddressSpace } from "../../../src/vm/memory.js";
import { SkReuseportRuntime } from "../../../src/vm/reuseport-runtime.js";
import { StaticSocket, TCP_CLOSE, TCP_LISTEN, TCP_NEW_SYN_RECV } from "../../../src/vm/socket.js";
import type { DebugEvent, DebugState } from "../protocol.js";

const MAP_ROWS_MAX = 32;

const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

/** The maps, sockets and event inputs of one test up to one of its events. */
class Setup {
  readonly table = new MapTable(new AddressSpace());
  readonly sockets = new Map<bigint, StaticSocket>();

  constructor(readonly p: CompiledPolicy) {
    for (const m of p.maps) this.table.create(m);
  }

  socket(cookie: bigint): StaticSocket {
    let s = this.sockets.get(cookie);
    if (s === undefined) {
      s = new StaticSocket(cookie, TCP_LISTEN, 1);
      this.sockets.set(cookie, s);
    }
    return s;
  }

  /** A map write of the test (the test runner's reading of it). */
  write(s: Stmt): void {
    const w = mapWriteOf(this.p, s);
    if (w === null) return;
    const m = this.table.byFd(w.map.fd)!;
    const key = valueBytes(BigInt.asUintN(w.map.keySize * 8, w.key), w.map.keySize);
    if (m.kind === "socket") m.updateSocket(key, this.socket(w.value), 0);
    else m.update(key, valueBytes(BigInt.asUintN(w.map.valueSize * 8, w.value), w.map.valueSize), 0);
  }

  /** A runtime and input for an `expect` event, as the test runner builds them. */
  event(s: Stmt & { k: "expect" }, budget?: number): { rt: SkReuseportRuntime; run: () => number } {
    const c = (e: Parameters<CompiledPolicy["sema"]["consts"]["get"]>[0]): bigint => this.p.sema.consts.get(e) ?? 0n;
    const f = new Map(s.fields.map((x) => [x.name, c(x.value)]));
    const migrate = s.event === "migrate";
    const sk = this.socket(f.get("listener") ?? DEFAULT_LISTENER_COOKIE);
    (sk as { state: number }).state = migrate ? TCP_CLOSE : TCP_LISTEN;
    const req = migrate
      ? new StaticSocket(
          f.get("cookie") ?? DEFAULT_REQUEST_COOKIE,
          Number(f.get("state") ?? BigInt(TCP_NEW_SYN_RECV)),
          null,
        )
      : null;
    const rt = new SkReuseportRuntime({
      insns: this.p.insns,
      maps: this.table,
      engine: createInterpreter,
      seed: f.get("seed") ?? 0n,
      clock: new VirtualClock(Number(f.get("time") ?? 0n)),
      ...(budget !== undefined ? { budget } : {}),
    });
    const len = f.get("len");
    const input = {
      sk,
      migratingSk: req,
      hash: Number(f.get("hash") ?? 0n),
      ...(len !== undefined ? { len: Number(len) } : {}),
      ...(f.has("cpu") ? { cpu: Number(f.get("cpu")) } : {}),
      ...(f.has("eth_protocol") ? { ethProtocol: Number(f.get("eth_protocol")) } : {}),
      ...(f.has("ip_protocol") ? { ipProtocol: Number(f.get("ip_protocol")) } : {}),
      ...(f.has("bind_inany") ? { bindInany: f.get("bind_inany") === 1n } : {}),
    };
    return {
      rt,
      run: () => rt.select(input).ret,
    };
  }
}

/** Replay the test of `ev` up to its event, then run the event with `budget`. */
function replay(
  p: CompiledPolicy,
  ev: DebugEvent,
  budget?: number,
): { setup: Setup; rt: SkReuseportRuntime; outcome: string | null; trapAt: number | null } {
  const setup = new Setup(p);
  const stmts = p.tests[ev.test]!.body.stmts;
  for (let i = 0; i < ev.stmt; i++) {
    const s = stmts[i]!;
    if (s.k === "expect") {
      try {
        setup.event(s).run();
      } catch {
        // An earlier event that traps leaves the maps as they are, as in the test runner.
      }
    } else setup.write(s);
  }
  const target = stmts[ev.stmt]!;
  if (target.k !== "expect") throw new Error("debugger: not an expect event");
  const { rt, run } = setup.event(target, budget);
  try {
    const ret = run();
    const sel = rt.env.selected;
    return {
      setup,
      rt,
      outcome:
        ret === 1
          ? sel === null
            ? "SK_PASS (no selection: the kernel picks)"
            : `SK_PASS, selected listener cookie ${sel.cookie}`
          : ret === 0
            ? "SK_DROP"
            : `r0 = ${ret}`,
      trapAt: null,
    };
  } catch (e) {
    if (
      e instanceof VmTrap &&
      e.code === "vm.budget" &&
      budget !== undefined &&
      e.location !== undefined &&
      "insn" in e.location
    )
      return { setup, rt, outcome: null, trapAt: e.location.insn };
    if (e instanceof VmTrap) return { setup, rt, outcome: `trap: ${e.message}`, trapAt: null };
    throw e;
  }
}

function mapsView(t: MapTable): DebugState["maps"] {
  return t.list.map((m) => {
    const entries: string[] = [];
    for (const k of mapKeys(m)) {
      if (entries.length >= MAP_ROWS_MAX) {
        entries.push("…");
        break;
      }
      const key =
        m.keySize <= 8 ? String(new DataView(k.buffer, k.byteOffset, k.byteLength).getUint32(0, true)) : hex(k);
      if (m.kind === "socket") {
        const c = m.lookupCookie(k);
        if (typeof c !== "number") entries.push(`[${key}] = socket cookie ${c}`);
      } else {
        const v = m.lookup(k);
        if (typeof v !== "number" && v.some((b) => b !== 0))
          entries.push(
            `[${key}] = ${v.length === 4 ? new DataView(v.buffer, v.byteOffset).getUint32(0, true) : v.length === 8 ? new DataView(v.buffer, v.byteOffset).getBigUint64(0, true) : hex(v)}`,
          );
      }
    }
    return { name: m.name, entries };
  });
}

/** A register as hex; a pointer (the VM's high word is a region id) also as region + offset. */
function regText(mem: AddressSpace, v: bigint): string {
  const hi = Number(v >> 32n);
  const region = hi > 0 ? mem.get(hi) : undefined;
  return region === undefined ? `0x${v.toString(16)}` : `0x${v.toString(16)} (${region.name} +${v & 0xffffffffn})`;
}

export function debugState(p: CompiledPolicy, ev: DebugEvent, step: number): DebugState {
  const full = replay(p, ev);
  const total = full.rt.engine.executed;
  const k = Math.max(0, Math.min(step, total));
  const r = k >= total ? full : replay(p, ev, k);
  const engine = r.rt.engine;
  if (!(engine instanceof Interpreter)) throw new Error("debugger: expected the interpreter");
  const regs = engine.registers();
  const stackRegion = r.setup.table.mem.get(Number(regs[10]! >> 32n));
  const stack: { off: number; hex: string }[] = [];
  if (stackRegion !== undefined) {
    const b = stackRegion.bytes;
    for (let o = 0; o + 8 <= stackRegion.size; o += 8) {
      const w = b.subarray(o, o + 8);
      if (w.some((x) => x !== 0)) stack.push({ off: o - stackRegion.size, hex: `0x${hex(w.slice().reverse())}` });
    }
  }
  return {
    step: k,
    total,
    pc: r.trapAt,
    regs: regs.map((v) => regText(r.setup.table.mem, v)),
    stack,
    maps: mapsView(r.setup.table),
    outcome: r.trapAt === null ? r.outcome : null,
  };
}
