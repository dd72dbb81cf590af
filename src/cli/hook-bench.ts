/**
 * The reuseport hook as the socket model runs it, set up for timing one request at a time:
 * a group of N listening sockets plus one shut-down listener in the closed section (so the
 * migration path has a source), and inputs that alternate a new connection (R10
 * `reuseportSelect`) and a migration (R12 `reuseportMigrate`) over 256 precomputed hashes.
 * With a program attached, every call goes through the whole hook: the group logic, the
 * model's program adapter, the context fill, the engine and the result (R10/R12 step 6).
 * Without one, it is the kernel pick (R11: reciprocal_scale(hash, num_socks), skipping
 * ESTABLISHED sockets) with tcp_migrate_req=1 so migrations take the same hash pick.
 * Socket maps are filled with the listeners (one distinct listener per slot, as R22 allows
 * a socket in one sockarray slot only); data maps stay empty, so policies take the branch
 * they take before a control plane publishes anything.
 * Omitted: packet bytes (the hook bench passes `len` only; the model builds a segment's bytes for
 * programs that read them), global data (.rodata) of ELF objects.
 */
import { ModelError, UsageError } from "../errors.js";
import { loadVerifiedProgram, type GateOptions } from "./verified-program.js";
import { NO_GROUP, REFUSED } from "../model/group.js";
import { ModelMaps } from "../model/model-maps.js";
import { Netns } from "../model/netns.js";
import { runtimeProgram, type RuntimeProgram } from "../model/runtime-adapter.js";
import type { MapDecl } from "../model/scenario.js";
import type { Listener } from "../model/sockets.js";
import { TcpStack } from "../model/stack.js";
import type { EngineFactory } from "../vm/engine.js";
import type { Insn } from "../vm/isa.js";
import type { MapSpec } from "../vm/map-spec.js";
import {
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_REUSEPORT_SOCKARRAY,
  BPF_MAP_TYPE_SOCKHASH,
  BPF_MAP_TYPE_SOCKMAP,
  BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
  ctxFieldOffset,
} from "../vm/program-type.js";
import { StaticSocket, TCP_NEW_SYN_RECV, type VmSocket } from "../vm/socket.js";
import type { VerifyResult } from "../verifier/index.js";
import { plural } from "../plural.js";
import { resolveTestName } from "./test-name.js";

export interface HookPolicy {
  readonly name: string;
  readonly insns: readonly Insn[];
  readonly maps: readonly MapSpec[];
  /** 39 or 40; absent (.s/.bin) means 40. */
  readonly attachType?: number;
  /** The verifier's verdict, when the policy was verified (it selects the trusted JIT). */
  readonly verdict?: VerifyResult;
  /**
   * A control-plane state to publish before timing (`--state TEST`: a policy test's map
   * writes), so the policy runs the path it runs when it does its job. Socket-map values are
   * listener cookies: each distinct cookie becomes one listener of the group. Absent: data
   * maps stay empty and the socket maps get one listener per slot.
   */
  readonly state?: readonly StateWrite[];
}

/** One control-plane write of a published state (`map[key] = value`; a socket map's value is a cookie). */
export interface StateWrite {
  readonly fd: number;
  readonly key: bigint;
  readonly value: bigint;
}

export interface HookBench {
  /** One request through the hook (new connection and migration alternate). */
  readonly step: () => void;
  /**
   * `BATCH` requests (new connection, migration, new connection, …) per call, so the timing
   * loop's own per-call cost is spread over many requests; divide a timing by `BATCH`.
   */
  readonly batch: () => void;
  /**
   * `BATCH` bare runs of the hook's own engine (null: no program), alternating a new
   * connection and a migration with the hook's hashes; each run writes only the four ctx words
   * that differ between requests.
   */
  readonly bare: (() => void) | null;
  /** How the last few requests came out, to check the setup does something sensible. */
  readonly outcomes: () => { selected: number; refused: number; none: number };
}

/**
 * Requests per `batch` call (even: new connections and migrations in equal numbers). The
 * loops below spell it as the literal 16 (a module constant is a binding V8 checks on every
 * iteration, a visible share of a few-ns request); a test checks the two agree.
 */
export const BATCH = 16;
const PORT = 8080;
const HASHES = 256;
/** Fields of struct sk_reuseport_md as u32 word indexes (a pointer's high word is the next one). */
const ctxWord = (name: string): number => ctxFieldOffset(name) / 4;
const CTX_LEN_WORD = ctxWord("len");
const CTX_HASH_WORD = ctxWord("hash");
const CTX_SK_WORD = ctxWord("sk");
const CTX_MIGRATING_SK_WORD = ctxWord("migrating_sk");

/**
 * Deterministic well-spread hashes (a fixed LCG; no Math.random on result paths), held as
 * their int32 bit patterns: that is how the model carries a u32 hash (a small integer to V8,
 * never a boxed number above 2^31), and the group functions read either form alike.
 */
function hashes(seed: number): Int32Array {
  const out = new Int32Array(HASHES);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < HASHES; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x | 0;
  }
  return out;
}

/** Where bare runs' results go, so the calls cannot be dropped (write-only on purpose). */
let _sink = 0;

function declOf(spec: MapSpec): MapDecl {
  const name = spec.name ?? `fd${spec.fd}`;
  return {
    name,
    type: isSocketMap(spec.type) ? "sockarray" : spec.type === BPF_MAP_TYPE_ARRAY ? "array" : "hash",
    maxEntries: spec.maxEntries,
  };
}

interface Slot {
  readonly map: number;
  readonly key: number;
  readonly listener: number;
}

/** A data-map write of a published state, by map index. */
interface DataWrite {
  readonly map: number;
  readonly key: number;
  readonly value: number;
}

const isSocketMap = (type: number): boolean =>
  type === BPF_MAP_TYPE_REUSEPORT_SOCKARRAY || type === BPF_MAP_TYPE_SOCKMAP || type === BPF_MAP_TYPE_SOCKHASH;

/** A state's writes as socket slots (distinct cookies → listeners 0, 1, … in order) and data writes. */
function stateWrites(
  specs: readonly MapSpec[],
  state: readonly StateWrite[],
  listeners: number,
): { slots: Slot[]; data: DataWrite[] } {
  const slots: Slot[] = [];
  const data: DataWrite[] = [];
  const listenerOf = new Map<bigint, number>();
  for (const w of state) {
    const map = specs.findIndex((m) => m.fd === w.fd);
    if (map < 0) throw new ModelError("bench.state", `the state writes map fd ${w.fd}, which the policy does not have`);
    if (w.key > BigInt(Number.MAX_SAFE_INTEGER) || w.value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new ModelError(
        "bench.state",
        `${specs[map]!.name ?? `fd${w.fd}`}[${w.key}] = ${w.value}: keys and values above 2^53 are not supported here`,
      );
    }
    if (!isSocketMap(specs[map]!.type)) {
      data.push({ map, key: Number(w.key), value: Number(w.value) });
      continue;
    }
    let l = listenerOf.get(w.value);
    if (l === undefined) {
      l = listenerOf.size;
      if (l >= listeners)
        throw new ModelError(
          "bench.state",
          `the state names more than ${plural(listeners, "listener")}; give --listeners ${l + 1} or more`,
        );
      listenerOf.set(w.value, l);
    }
    slots.push({ map, key: Number(w.key), listener: l });
  }
  return { slots, data };
}

/**
 * Which listener goes into which socket-map slot: listeners dealt round-robin over the socket
 * maps, each at the map's next key, since a socket may sit in one sockarray slot only (R22).
 */
function socketSlots(decls: readonly MapDecl[], listeners: number): Slot[] {
  const sockMaps = decls.map((d, i) => ({ d, i })).filter((x) => x.d.type === "sockarray");
  const next = sockMaps.map(() => 0);
  const out: Slot[] = [];
  let m = 0;
  for (let l = 0; l < listeners && sockMaps.length > 0; l++) {
    // The next socket map with a free key (stop when all are full).
    let tries = 0;
    while (next[m]! >= sockMaps[m]!.d.maxEntries && tries < sockMaps.length) {
      m = (m + 1) % sockMaps.length;
      tries++;
    }
    if (tries === sockMaps.length) break;
    out.push({ map: sockMaps[m]!.i, key: next[m]!, listener: l });
    next[m]!++;
    m = (m + 1) % sockMaps.length;
  }
  return out;
}

/**
 * Build the group and the request loop. `policy` null = kernel pick. Throws `ModelError` when
 * the policy's maps cannot be filled.
 */
export function buildHookBench(
  policy: HookPolicy | null,
  engine: EngineFactory,
  listeners: number,
  seed = 1,
): HookBench {
  const st = new TcpStack(new Netns({ tcp_migrate_req: policy === null ? 1 : 0 }));
  const socks: Listener[] = [];
  for (let i = 0; i <= listeners; i++) {
    const sk = st.socket(`l${i}`);
    st.bind(sk, 0, PORT);
    socks.push(sk);
  }
  // The extra one listens first, so it is in the group before the program is attached.
  const closing = socks[listeners] as Listener;
  st.listen(closing, 128);
  for (let i = 0; i < listeners; i++) st.listen(socks[i] as Listener, 128);
  const group = closing.group;
  if (group === NO_GROUP) throw new ModelError("bench.group", "the listeners did not form a reuseport group");
  let prog: RuntimeProgram | null = null;
  if (policy !== null) {
    const specs = policy.maps.map((m) => ({ ...m, name: m.name ?? `fd${m.fd}` }));
    const decls = specs.map(declOf);
    let slots: Slot[];
    let data: DataWrite[] = [];
    if (policy.state !== undefined) ({ slots, data } = stateWrites(specs, policy.state, listeners));
    else slots = socketSlots(decls, listeners);
    const maps = new ModelMaps(decls, st);
    prog = runtimeProgram(
      {
        name: policy.name,
        insns: policy.insns,
        maps: specs,
        attachType: policy.attachType ?? BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
      },
      engine,
      seed,
      maps,
    );
    st.attachProgram(closing, prog);
    for (const s of slots) maps.update(decls[s.map]!.name, s.key, socks[s.listener] as Listener);
    for (const d of data) maps.update(decls[d.map]!.name, d.key, d.value);
  }
  // Shut down (not close): the listener stays in the closed section as a migration source
  // (R4: capable through the sysctl or the attach-type-40 program).
  st.shutdown(closing, "rd");
  const first = group.socks[0] as Listener;
  const hs = hashes(seed);
  const req = new StaticSocket(1n, TCP_NEW_SYN_RECV);
  let i = 0;
  let selected = 0;
  let refused = 0;
  let none = 0;
  const step = (): void => {
    const h = hs[i & (HASHES - 1)] as number;
    const r = (i & 1) === 0 ? st.reuseportSelect(first, h, 60) : st.reuseportMigrate(closing, req, h, 0);
    i++;
    if (r === null) none++;
    else if (r === REFUSED) refused++;
    else selected++;
  };
  const batch = (): void => {
    // The hash index lives in a local for the loop (one closure-slot read and write per batch,
    // not per request): the harness's own share of a few-ns request stays small.
    let n = 0;
    let j = i | 0; // `| 0`: V8 then keeps j an int32 without a small-integer check per batch
    for (let k = 0; k < 16; k += 2) {
      if (st.reuseportSelect(first, hs[j & (HASHES - 1)] as number, 60) === null) n++;
      if (st.reuseportMigrate(closing, req, hs[(j + 1) & (HASHES - 1)] as number, 0) === null) n++;
      j = (j + 2) & (HASHES - 1);
    }
    i = j;
    none += n; // keeps the results live; `outcomes` is only meaningful after `step`
  };
  let bare: (() => void) | null = null;
  if (prog !== null) {
    // The hook's own runtime and engine, run directly: the same compiled program, the same
    // helper closures and maps (a second runtime would share the helpers' code with this one
    // and V8 would optimise it for both, which made the two sides differ for helper-heavy
    // programs). Its context is filled once for a new connection and once for a migration;
    // each bare run then writes only the ctx words that differ between requests — len, the
    // `sk` and `migrating_sk` pointers, the hash — so the program runs on the hook's inputs
    // (its branches and map slots follow the hash) and nothing else of the hook is left.
    const rt = prog.runtime;
    const ctx = rt.context.ctx.bytes;
    const w = new Uint32Array(ctx.buffer, ctx.byteOffset, ctx.length >> 2);
    const wordsOf = (sk: Listener, m: VmSocket | null, len: number): readonly [number, number, number] => {
      rt.selectArgs(sk, m, 0, len, group.bindInany);
      return [w[CTX_LEN_WORD]!, w[CTX_SK_WORD + 1]!, w[CTX_MIGRATING_SK_WORD + 1]!];
    };
    // Both sockets are shown once, so each keeps its view (the context's two-entry cache).
    const [lenA, skA, migA] = wordsOf(first, null, 60);
    const [lenB, skB, migB] = wordsOf(closing, req, 0);
    // The engine is called directly (no wrapper closure per run), so the bare figure is the
    // program's run alone and the hook overhead is not understated.
    const eng = rt.engine;
    const ctxId = rt.context.ctx.id;
    let jb = 0;
    bare = () => {
      let x = 0;
      let j = jb;
      // The hook's next fill relies on the `sk` pointer word it left (it rewrites the word only
      // when ctx `sk` changes): put it back after the batch.
      const skWord = w[CTX_SK_WORD + 1]!;
      for (let k = 0; k < 16; k += 2) {
        w[CTX_LEN_WORD] = lenA;
        w[CTX_SK_WORD + 1] = skA;
        w[CTX_MIGRATING_SK_WORD + 1] = migA;
        w[CTX_HASH_WORD] = hs[j & (HASHES - 1)] as number;
        x += eng.run(ctxId, 0, 0);
        w[CTX_LEN_WORD] = lenB;
        w[CTX_SK_WORD + 1] = skB;
        w[CTX_MIGRATING_SK_WORD + 1] = migB;
        w[CTX_HASH_WORD] = hs[(j + 1) & (HASHES - 1)] as number;
        x += eng.run(ctxId, 0, 0);
        j = (j + 2) & (HASHES - 1);
      }
      w[CTX_SK_WORD + 1] = skWord;
      jb = j;
      _sink ^= x;
    };
  }
  return { step, batch, bare, outcomes: () => ({ selected, refused, none }) };
}

/**
 * Load a program file (.baton/.o/.s/.bin) through the CLI's gate (verified-program.ts: the
 * structural check and the verifier; `gate.noVerify` skips the verifier). `stateTest` names a test of a .baton policy
 * whose map writes (those before its first `expect` or `assert`) are published before timing.
 */
export async function loadHookPolicy(
  file: string,
  stateTest?: string,
  gate: Omit<GateOptions, "command"> = { warn: () => undefined },
): Promise<HookPolicy> {
  const p = await loadVerifiedProgram(file, { ...gate, command: "bench" });
  const base = {
    name: p.programName ?? file,
    insns: p.insns,
    maps: p.maps,
    attachType: p.attachType,
    ...(p.verdict !== null ? { verdict: p.verdict } : {}),
  };
  return stateTest === undefined ? base : { ...base, state: await policyState(file, p.format, stateTest) };
}

/** The map writes of test `name` of the policy in `file`, as state writes. */
async function policyState(file: string, format: string, name: string): Promise<StateWrite[]> {
  if (format !== "baton") throw new UsageError(`--state names a test of a policy; ${file} is not a .baton file`);
  const { tryCompile } = await import("../compiler/compile.js");
  const { testSetup } = await import("../compiler/test-runner.js");
  const { readPolicy } = await import("../compiler/load.js");
  const compiled = tryCompile(readPolicy(file), file).policy;
  if (compiled === null) throw new UsageError(`${file} does not compile`);
  const writes = testSetup(
    compiled,
    resolveTestName(
      name,
      compiled.tests.map((t) => t.name),
      file,
    ),
  );
  if (writes === undefined) throw new UsageError(`${file} has no test named ${JSON.stringify(name)}`);
  return writes.map((w) => ({ fd: w.map.fd, key: w.key, value: w.value }));
}
