/**
 * Runs a policy's `test "…" { … }` blocks in the VM runtime (SkReuseportRuntime with the
 * interpreter or JIT): each test gets fresh maps, fills them (`m[k] = v`; socket maps take a
 * listener cookie), then runs each `expect connect|migrate { … } => verdict` in order, so
 * counters carry over between events, and checks `assert` lines against the maps.
 * A failure names the test line and states expected versus actual.
 * Deliberately absent: the socket model (tests state the reuseport group directly).
 */
import type { EngineFactory } from "../vm/engine.js";
import { AddressSpace } from "../vm/memory.js";
import { MapTable } from "../vm/maps/table.js";
import type { BpfMap } from "../vm/maps/types.js";
import { valueBytes } from "../vm/maps/control.js";
import { VirtualClock } from "../vm/helpers/env.js";
import { SkReuseportRuntime } from "../vm/reuseport-runtime.js";
import { SK_DROP, SK_PASS } from "../vm/program-type.js";
import { StaticSocket, TCP_CLOSE, TCP_LISTEN, TCP_NEW_SYN_RECV, type VmSocket } from "../vm/socket.js";
import type { Expr, Span, Stmt, TestDecl } from "./ast.js";
import type { CompiledPolicy } from "./compile.js";
import type { MapInfo } from "./sema.js";

export interface TestFailure {
  readonly span: Span;
  readonly message: string;
}

export interface TestResult {
  readonly name: string;
  readonly span: Span;
  readonly passed: boolean;
  readonly events: number;
  readonly failures: readonly TestFailure[];
}

/** Cookie of ctx `sk` when an event does not name one. */
export const DEFAULT_LISTENER_COOKIE = 1n;
/** Cookie of the migrating request when an event does not name one. */
export const DEFAULT_REQUEST_COOKIE = 1_000_000n;

const keyBytes = (v: bigint, size: number): Uint8Array => valueBytes(BigInt.asUintN(size * 8, v), size);

/** A map write a test makes (`m[k] = v`, constants folded by the checker); a socket map's value is a listener cookie.
 * */
export interface TestMapWrite {
  readonly map: MapInfo;
  readonly key: bigint;
  readonly value: bigint;
}

/** The map write statement `s` makes, or null when it is not one. */
export function mapWriteOf(policy: CompiledPolicy, s: Stmt): TestMapWrite | null {
  if (s.k !== "assign" || s.target.k !== "index") return null;
  const sym = policy.sema.names.get(s.target.obj);
  if (sym?.k !== "map") return null;
  const c = (e: Expr): bigint => policy.sema.consts.get(e) ?? 0n;
  return { map: sym.info, key: c(s.target.index), value: c(s.value) };
}

/**
 * The control-plane state the test named `name` sets up: its map writes before its first
 * `expect` or `assert`, in order. Undefined when the policy has no such test.
 */
export function testSetup(policy: CompiledPolicy, name: string): TestMapWrite[] | undefined {
  const t = policy.tests.find((x) => x.name === name);
  if (t === undefined) return undefined;
  const out: TestMapWrite[] = [];
  for (const s of t.body.stmts) {
    if (s.k === "expect" || s.k === "assert") break;
    const w = mapWriteOf(policy, s);
    if (w !== null) out.push(w);
  }
  return out;
}

class TestRun {
  readonly mem = new AddressSpace();
  readonly table = new MapTable(this.mem);
  readonly sockets = new Map<bigint, StaticSocket>();
  readonly failures: TestFailure[] = [];
  events = 0;

  constructor(
    readonly policy: CompiledPolicy,
    readonly engine: EngineFactory,
  ) {
    for (const m of policy.maps) this.table.create(m);
  }

  socket(cookie: bigint, state = TCP_LISTEN): StaticSocket {
    let s = this.sockets.get(cookie);
    if (s === undefined) {
      s = new StaticSocket(cookie, state, 1);
      this.sockets.set(cookie, s);
    }
    return s;
  }

  map(info: MapInfo): BpfMap {
    return this.table.byFd(info.fd)!;
  }

  c(e: Expr): bigint {
    return this.policy.sema.consts.get(e) ?? 0n;
  }

  stmt(s: Stmt): void {
    const mw = mapWriteOf(this.policy, s);
    if (mw !== null) {
      const m = this.map(mw.map);
      const key = keyBytes(mw.key, mw.map.keySize);
      const rc =
        m.kind === "socket"
          ? m.updateSocket(key, this.socket(mw.value), 0)
          : m.update(key, valueBytes(BigInt.asUintN(mw.map.valueSize * 8, mw.value), mw.map.valueSize), 0);
      if (rc < 0)
        this.failures.push({ span: s.span, message: `setting ${mw.map.name}[${mw.key}] failed with errno ${-rc}` });
    } else if (s.k === "expect") this.expect(s);
    else if (s.k === "assert") {
      const v = this.evalExpr(s.cond);
      if (v !== 1n) this.failures.push({ span: s.span, message: `assertion failed: ${this.describe(s.cond)}` });
    }
  }

  private expect(s: Stmt & { k: "expect" }): void {
    this.events++;
    const f = new Map(s.fields.map((x) => [x.name, this.c(x.value)]));
    const migrate = s.event === "migrate";
    const sk = this.socket(f.get("listener") ?? DEFAULT_LISTENER_COOKIE);
    (sk as { state: number }).state = migrate ? TCP_CLOSE : TCP_LISTEN;
    const req: VmSocket | null = migrate
      ? new StaticSocket(
          f.get("cookie") ?? DEFAULT_REQUEST_COOKIE,
          Number(f.get("state") ?? BigInt(TCP_NEW_SYN_RECV)),
          null,
        )
      : null;
    const rt = new SkReuseportRuntime({
      insns: this.policy.insns,
      maps: this.table,
      engine: this.engine,
      seed: f.get("seed") ?? 0n,
      clock: new VirtualClock(Number(f.get("time") ?? 0n)),
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
    let got: string;
    try {
      const r = rt.select(input);
      got = verdictText(r.ret, r.selected);
    } catch (e) {
      got = `a VM trap: ${(e as Error).message}`;
    }
    const o = s.outcome;
    const want = o.k === "select" ? `select ${this.c(o.cookie)}` : o.k;
    if (got !== want)
      this.failures.push({ span: s.span, message: `${s.event} ${describeFields(f)}: expected ${want}, got ${got}` });
  }

  /** Evaluate a test expression: constants, map reads (`m[k]`, optional), `??`, comparisons. */
  evalExpr(e: Expr): bigint | null {
    const c = this.policy.sema.consts.get(e);
    if (c !== undefined) return c;
    if (e.k === "index") {
      const sym = this.policy.sema.names.get(e.obj);
      if (sym?.k !== "map") return null;
      const key = this.evalExpr(e.index);
      if (key === null) return null;
      const v = this.map(sym.info).lookup(keyBytes(key, sym.info.keySize));
      if (typeof v === "number") return null;
      let out = 0n;
      const n = sym.info.valueTy === null ? 8 : sym.info.valueSize;
      for (let i = n - 1; i >= 0; i--) out = (out << 8n) | BigInt(v[i] ?? 0);
      return sym.info.valueTy?.signed === true ? BigInt.asIntN(n * 8, out) : out;
    }
    if (e.k === "binary") {
      // Left chains in a loop: constant stack for `a + b + c …` of any length.
      const spine: (Expr & { k: "binary" })[] = [];
      let x: Expr = e;
      while (x.k === "binary" && !this.policy.sema.consts.has(x)) {
        spine.push(x);
        x = x.l;
      }
      let l = this.evalExpr(x);
      for (let i = spine.length - 1; i >= 0; i--) l = this.binaryStep(spine[i]!, l);
      return l;
    }
    if (e.k === "unary" && e.op === "!") {
      const v = this.evalExpr(e.e);
      return v === null ? null : v === 0n ? 1n : 0n;
    }
    return null;
  }

  /** One binary operation of a test expression, its left operand already evaluated. */
  private binaryStep(e: Expr & { k: "binary" }, l: bigint | null): bigint | null {
    {
      if (e.op === "??") return l ?? this.evalExpr(e.r);
      const r = this.evalExpr(e.r);
      if (e.op === "&&") return l === 1n && r === 1n ? 1n : 0n;
      if (e.op === "||") return l === 1n || r === 1n ? 1n : 0n;
      if (l === null || r === null) return null;
      switch (e.op) {
        case "==":
          return l === r ? 1n : 0n;
        case "!=":
          return l !== r ? 1n : 0n;
        case "<":
          return l < r ? 1n : 0n;
        case "<=":
          return l <= r ? 1n : 0n;
        case ">":
          return l > r ? 1n : 0n;
        case ">=":
          return l >= r ? 1n : 0n;
        case "+":
          return l + r;
        case "-":
          return l - r;
        case "*":
          return l * r;
        default:
          return null;
      }
    }
  }

  /** `counts[7] ?? 0 == 3` → show the values that made it false. */
  describe(e: Expr): string {
    if (e.k === "binary" && ["==", "!=", "<", "<=", ">", ">="].includes(e.op)) {
      const show = (x: Expr): string => {
        const v = this.evalExpr(x);
        return v === null ? "nothing" : String(v);
      };
      return `expected ${show(e.l)} ${e.op} ${show(e.r)}`;
    }
    return "the condition is false";
  }
}

function verdictText(ret: number, selected: VmSocket | null): string {
  if (ret === SK_PASS) return selected === null ? "pass" : `select ${selected.cookie}`;
  if (ret === SK_DROP) return "drop";
  return `return value ${ret}`;
}

function describeFields(f: Map<string, bigint>): string {
  if (f.size === 0) return "{}";
  return `{ ${[...f].map(([k, v]) => `${k}: ${v}`).join(", ")} }`;
}

export function runTest(policy: CompiledPolicy, test: TestDecl, engine: EngineFactory): TestResult {
  const run = new TestRun(policy, engine);
  try {
    for (const s of test.body.stmts) run.stmt(s);
  } catch (e) {
    if (e instanceof Error && "code" in e) run.failures.push({ span: test.span, message: e.message });
    else throw e;
  }
  return {
    name: test.name,
    span: test.span,
    passed: run.failures.length === 0,
    events: run.events,
    failures: run.failures,
  };
}

/** Run every test block of a compiled policy. */
export function runTests(policy: CompiledPolicy, engine: EngineFactory): TestResult[] {
  if (policy.tests.length === 0) return [];
  return policy.tests.map((t) => runTest(policy, t, engine));
}

/** Render a failure as `file:line:col: test "name" failed: …` with the source line. */
export function formatFailure(policy: CompiledPolicy, t: TestResult, f: TestFailure): string {
  const line = policy.source.split(/\r?\n/)[f.span.line - 1] ?? "";
  return `${f.span.file}:${f.span.line}:${f.span.col}: test "${t.name}" failed: ${f.message}\n${line}\n${" ".repeat(Math.max(0, f.span.col - 1))}^`;
}
