/**
 * The JIT engine: compiles decoded bytecode to a JavaScript function with `new Function` and
 * wraps it as an `Engine` that behaves exactly like `interpreter.ts` — same results, same
 * memory effects, same traps (code, message, instruction index) and the same `executed`.
 *
 * Modes:
 * - `checked` (default): for any program. Bounds/writability checks inline on every access,
 *   the instruction budget counted per basic block, r1-r5 re-read after helper calls.
 * - `trusted`: ONLY for programs the verifier accepted. Drops (1) the inline bounds and
 *   writability checks — the verifier proved every access inside its region and writes only to
 *   writable ones (the region's view is then cached by id across blocks); (2) the re-read of
 *   r1-r5 after helper calls — the verifier marks them unreadable after a call; and, given
 *   facts (`facts.ts`), (3) the budget compare AND the instruction count when loops are proven
 *   bounded (`executed` is then -1), (4) high-half arithmetic of registers proven below 2^32 or
 *   2^31, (5) the carry of pointer add/sub; and (6) with facts placing accesses in ctx, the
 *   first run compiles a copy specialised to r1's region (its view a constant; see
 *   `compileJit`), which falls back to the generic code whenever r1 or that region's bytes differ. Without verification
 * none of that is safe: a stray
 *   write to a read-only region would succeed, an unbounded loop would never stop. As a last
 *   line, trusted code runs inside one try/catch that turns a JS fault (a DataView RangeError,
 *   a missing region) into a `VmTrap` (`vm.trusted-fault`, no instruction index), so even a
 *   wrong proof never escapes as a raw exception or touches memory outside the VM.
 *
 * The generated source contains only JIT-chosen identifiers and numbers (`source.ts`).
 * Deliberately omitted: lddw pseudo sources (resolved by a loader first, as for the
 * interpreter), caching compiled code across engines.
 */
import { BatonError, BytecodeError, VmTrap } from "../../errors.js";
import { DEFAULT_BUDGET, type Engine, type EngineFactory, type EngineOptions } from "../engine.js";
import { Interpreter } from "../interpreter.js";
import { REG_WORDS, type HelperFn } from "../helper-abi.js";
import { MAX_CALL_DEPTH, OP_DESC, Op, opOf, type Insn } from "../isa.js";
import type { AddressSpace, Region } from "../memory.js";
import {
  badAtomicTrap,
  badCallxTrap,
  badInsnTrap,
  budgetTrap,
  callDepthTrap,
  ctxReboundTrap,
  fellOffTrap,
  lddwPseudoError,
  trustedFaultTrap,
  unknownHelperTrap,
  unsupportedInsnError,
} from "../traps.js";
import { STACK_SIZE, generate, hasCtxAccess, type CodegenOptions } from "./codegen.js";
import { NO_FACTS, type JitFacts } from "./facts.js";
import { S, arsh64, bswap32, lsh64, mul64, rsh64, sdiv64, udiv64 } from "../arith64.js";

export type JitMode = "checked" | "trusted";

/**
 * The largest program the JIT compiles; a longer one runs on the interpreter (`control`
 * "interpreter", with a `note`). The JIT turns a program into one JavaScript function, and V8
 * compiles a function whole: about 30 µs and 5 KB of memory per instruction, so a
 * 1,000,000-instruction program took 29 s and 4.5 GB (the interpreter: 1.3 s, 0.3 GB). At
 * this limit compiling stays under about half a second and 150 MB (twice that for the trusted
 * mode's ctx-specialised copy), and real policies are far smaller (the kernel's own limit for
 * unprivileged programs is 4,096).
 */
export const JIT_MAX_INSNS = 16_384;

export interface JitOptions extends EngineOptions {
  /** `checked` (default) or `trusted` (verified programs only; see the module comment). */
  readonly mode?: JitMode;
  /** What the verifier proved (trusted mode only; ignored in checked mode). */
  readonly facts?: JitFacts;
  /** Keep every register after a run for `registers()` (costs 22 stores per run; tests). */
  readonly exposeRegisters?: boolean;
}

export interface JitEngine extends Engine {
  /** The generated function's source (for inspection and the security tests). */
  readonly source: string;
  readonly mode: JitMode;
  /**
   * Control flow as nested JS scopes, a `switch` dispatcher (local calls, two-entry loops, many
   * blocks), or "interpreter": the program is above JIT_MAX_INSNS and was not compiled.
   */
  readonly control: "structured" | "dispatch" | "interpreter";
  /** Why the program was not compiled and what runs it instead (control "interpreter"). */
  readonly note?: string;
  /** r0-r10 after the last run as u64 (needs `exposeRegisters`; zeros otherwise). */
  registers(): bigint[];
}

/**
 * Reject what the interpreter cannot execute, with the interpreter's errors, before compiling.
 * `ops`: each slot's `Op`.
 */
function checkExecutable(insns: readonly Insn[], ops: readonly Op[]): void {
  for (let i = 0; i < insns.length; i++) {
    const ins = insns[i]!;
    const op = ops[i]!;
    if (op === Op.INVALID || op === Op.CALL_KFUNC || OP_DESC[op]!.kind === "ldabs")
      throw unsupportedInsnError(ins.opcode, i);
    if (op === Op.LDDW) {
      if (ins.src !== 0) throw lddwPseudoError(ins.src, i);
      i++;
    }
  }
}

interface Kit {
  readonly E: MutableEngine;
  readonly RG: (Region | undefined)[];
  readonly RF: Uint32Array;
  readonly M: AddressSpace;
  readonly S: Int32Array;
  readonly SB: Uint8Array;
  /** The stack as 32-bit words (clearing it per run). */
  readonly SI: Int32Array;
  readonly SV: DataView;
  readonly SR: Region;
  readonly SID: number;
  readonly FS: Int32Array;
  readonly RX: Int32Array;
  /** An empty view: the trusted-mode view cache's initial entry (id 0, NULL), so NULL faults. */
  readonly NV: DataView;
  readonly H: readonly HelperFn[];
  /** `ctxRegion` (0: none): the ctx-specialised copy is compiled with the engine. */
  readonly eager: number;
  [fn: string]: unknown;
}

interface MutableEngine {
  r0hi: number;
  executed: number;
  run: (r1hi: number, r1lo: number, r2: number) => number;
  readonly source: string;
  readonly mode: JitMode;
  readonly control: "structured" | "dispatch";
  registers(): bigint[];
}

/** A program above JIT_MAX_INSNS: the interpreter runs it, behind the JitEngine interface. */
function interpretInstead(insns: readonly Insn[], options: JitOptions, mode: JitMode): JitEngine {
  const interp = new Interpreter(insns, options);
  return {
    run: (r1hi: number, r1lo: number, r2: number): number => interp.run(r1hi, r1lo, r2),
    get r0hi(): number {
      return interp.r0hi;
    },
    get executed(): number {
      return interp.executed;
    },
    source: "",
    mode,
    control: "interpreter",
    note: `program of ${insns.length} instructions is above the JIT's limit of ${JIT_MAX_INSNS}; it runs on the interpreter`,
    registers: () => interp.registers(),
  };
}

/** Names the generated code may use from the kit, destructured once per engine. */
const KIT_NAMES = [
  "E",
  "RG",
  "RF",
  "M",
  "S",
  "SB",
  "SI",
  "SV",
  "SR",
  "SID",
  "FS",
  "RX",
  "NV",
  "mul64",
  "udiv64",
  "sdiv64",
  "lsh64",
  "rsh64",
  "arsh64",
  "bswap32",
  "addr",
  "budget",
  "badSlot",
  "callDepth",
  "helperFault",
  "helperById",
  "callx",
  "badAtomic",
  "trustedFault",
] as const;

type RunFn = (r1hi: number, r1lo: number, r2: number) => number;

/**
 * Serial number of ctx-specialised copies, written into each copy's text: V8 caches `new
 * Function` by source, and two engines sharing one compiled copy would make its `run` a
 * closure of many, which V8 does not specialise to the factory's constants (the whole gain).
 */
let specSerial = 0;

export function compileJit(insns: readonly Insn[], options: JitOptions): JitEngine {
  const ops = insns.map(opOf);
  checkExecutable(insns, ops);
  const mem = options.mem;
  const helpers = options.helpers;
  const budgetN = options.budget ?? DEFAULT_BUDGET;
  const mode: JitMode = options.mode ?? "checked";
  const trusted = mode === "trusted";
  const len = insns.length;
  if (len > JIT_MAX_INSNS) return interpretInstead(insns, options, mode);

  // Helpers known now get a fixed local each (h0, h1 …); the interpreter also resolves them at
  // construction and falls back to a run-time lookup for ids missing then.
  const slotOf = new Map<number, number>();
  const H: HelperFn[] = [];
  for (let i = 0; i < len; i++) {
    const ins = insns[i]!;
    if (ops[i] === Op.LDDW) {
      i++;
      continue;
    }
    if (ops[i] !== Op.CALL) continue;
    const fn = helpers.get(ins.imm);
    if (fn !== undefined && !slotOf.has(ins.imm)) {
      slotOf.set(ins.imm, H.length);
      H.push(fn);
    }
  }

  const genOpts: CodegenOptions = {
    trusted,
    facts: trusted ? (options.facts ?? NO_FACTS) : NO_FACTS,
    budget: budgetN,
    unwindHelper: options.unwindHelper,
    helperSlot: (id) => slotOf.get(id),
    helperWrites: (id) => helpers.get(id)?.writesArgs !== false,
    exposeRegisters: options.exposeRegisters === true,
  };
  const gen = generate(insns, genOpts, ops);
  const body = gen.source;

  const stack = mem.add("stack", new Uint8Array(STACK_SIZE), true);
  const RX = new Int32Array(REG_WORDS);
  const E: MutableEngine = {
    r0hi: 0,
    executed: 0,
    run: () => 0,
    source: body,
    mode,
    control: gen.control,
    registers(): bigint[] {
      const regs: bigint[] = [];
      for (let i = 0; i < 11; i++) regs.push((BigInt(RX[11 + i]! >>> 0) << 32n) | BigInt(RX[i]! >>> 0));
      return regs;
    },
  };

  const kit: Kit = {
    E,
    RG: mem.regions,
    RF: new Uint32Array(REG_WORDS),
    M: mem,
    S,
    SB: stack.bytes,
    SI: new Int32Array(stack.bytes.buffer, stack.bytes.byteOffset, STACK_SIZE / 4),
    SV: stack.view,
    SR: stack,
    SID: stack.id,
    FS: new Int32Array(MAX_CALL_DEPTH * 11),
    RX,
    NV: new DataView(new ArrayBuffer(0)),
    H,
    eager: options.ctxRegion ?? 0,
    mul64,
    udiv64,
    sdiv64,
    lsh64,
    rsh64,
    arsh64,
    bswap32,
    /** Slow path of a checked access: exact 64-bit address (a carry moves to the next region). */
    addr(h: number, l: number, off: number, size: number, write: boolean, pc: number): Region {
      let a = (l >>> 0) + off;
      let hh = h >>> 0;
      if (a > 0xffffffff || a < 0) {
        hh = (hh + (a < 0 ? -1 : 1)) >>> 0;
        a = a >>> 0;
      }
      const r = mem.resolve(hh, a, size, write, pc);
      S[0] = a | 0;
      return r;
    },
    budget(pc: number, n: number): VmTrap {
      E.executed = n;
      return budgetTrap(budgetN, pc);
    },
    badSlot(slot: number, n: number): VmTrap {
      E.executed = n;
      return slot === len ? fellOffTrap(len - 1) : badInsnTrap(slot);
    },
    callDepth(pc: number, n: number): VmTrap {
      E.executed = n;
      return callDepthTrap(pc);
    },
    helperFault(e: unknown, pc: number, n: number): unknown {
      E.executed = n;
      return e instanceof VmTrap ? e.at(pc) : e;
    },
    helperById(id: number, pc: number, n: number): HelperFn {
      const fn = helpers.get(id);
      if (fn !== undefined) return fn;
      E.executed = n;
      throw unknownHelperTrap(id, helpers, pc);
    },
    callx(l: number, h: number, dst: number, pc: number, n: number): HelperFn {
      const fn = h === 0 ? helpers.get(l >>> 0) : undefined;
      if (fn !== undefined) return fn;
      E.executed = n;
      throw badCallxTrap(dst, h, l, pc);
    },
    badAtomic(op: number): VmTrap {
      return badAtomicTrap(op);
    },
    trustedFault(e: unknown): unknown {
      if (e instanceof BatonError) return e;
      return trustedFaultTrap(e instanceof Error ? e.message : String(e));
    },
  };

  const helperLocals = H.map((_, i) => `const h${String(i)} = H[${String(i)}];`).join("\n");
  // Ctx specialisation (trusted mode, programs whose facts place loads or stores in ctx): on
  // the first run, when r1's region is known, a second copy is compiled in which that region's
  // view is a constant of its factory — V8 then folds the buffer and length into the code, the
  // difference between ~1.5x and ~1.1x hand-written JS on least_loaded. The copy carries the
  // generic function `G` in the same factory (sharing the stack low-water mark `dz`) and hands
  // it every run whose r1 is elsewhere, or whose ctx region was rebound since (context.ts keeps
  // one ctx region per context, so in practice the copy serves every run). `runT` is the one
  // entry point callers ever see, so their call sites stay monomorphic across the tier-up.
  const specialise = trusted && hasCtxAccess(insns, options.facts ?? NO_FACTS, ops);
  // Given the ctx region up front (`ctxRegion`), the copy is made now and is `run` itself: no
  // trampoline per run.
  const entry = specialise
    ? `let T = undefined;\nfunction runT(a1h, a1l, a2) { return (T === undefined ? (T = K.tier(a1h >>> 0, run)) : T)(a1h, a1l, a2); }\nE.run = K.eager === 0 ? runT : (T = K.tier(K.eager, run));`
    : `E.run = run;`;
  const factory = `"use strict";\nconst { ${KIT_NAMES.join(", ")}, H } = K;\n${helperLocals}\nlet dz = ${String(STACK_SIZE)};\n${body}\n${entry}\nreturn E;`;
  // new Function is the point of a JIT; see source.ts for why the text is safe.
  let make: (k: Kit) => MutableEngine;
  try {
    make = new Function("K", factory) as (k: Kit) => MutableEngine;
  } catch (e) {
    // Only size can get here (the text is generated): V8 refuses a function it cannot parse.
    throw new BytecodeError(
      "jit.too-large",
      `the JIT could not compile this program of ${len} instructions (${e instanceof Error ? e.message : String(e)}); use the interpreter`,
      { insn: 0 },
    );
  }
  if (specialise) {
    kit.tier = (id: number, generic: RunFn): RunFn => {
      const region = mem.regions[id];
      if (region === undefined || id === 0) return generic;
      const spec = generate(insns, { ...genOpts, ctxConst: true }, ops).source;
      // The generic body again, as `G`, in the copy's own factory so both share `dz`.
      const g = `function G(${body.slice("function run(".length)}`;
      const text = `"use strict";\nconst XS = ${String(specSerial++)};\nconst { ${KIT_NAMES.join(", ")}, H, XID, XR, XV, ctxMoved } = K;\n${helperLocals}\nlet dz = ${String(STACK_SIZE)};\n${g}\n${spec}\nreturn run;`;
      try {
        const mk = new Function("K", text) as (k: Kit) => RunFn;
        return mk({ ...kit, XID: id, XR: region, XV: region.view });
      } catch {
        // Twice the text of a program that compiled once: keep the generic function.
        return generic;
      }
    };
    kit.ctxMoved = (pc: number, n: number): VmTrap => {
      E.executed = n;
      return ctxReboundTrap(pc);
    };
  }
  return make(kit);
}

/** The generated source for `insns` without creating an engine (inspection, security tests). */
export function jitSource(
  insns: readonly Insn[],
  options: Omit<JitOptions, "mem" | "helpers"> & {
    readonly helpers?: EngineOptions["helpers"];
    /** The ctx-specialised copy's body (trusted mode). */ readonly ctxSpecialised?: boolean;
  },
): string {
  const ops = insns.map(opOf);
  checkExecutable(insns, ops);
  const helpers = options.helpers ?? new Map<number, HelperFn>();
  const ids = new Map<number, number>();
  let next = 0;
  return generate(
    insns,
    {
      trusted: options.mode === "trusted",
      facts: options.mode === "trusted" ? (options.facts ?? NO_FACTS) : NO_FACTS,
      budget: options.budget ?? DEFAULT_BUDGET,
      unwindHelper: options.unwindHelper,
      helperWrites: (id) => helpers.get(id)?.writesArgs !== false,
      helperSlot: (id) => {
        if (!helpers.has(id)) return undefined;
        if (!ids.has(id)) ids.set(id, next++);
        return ids.get(id);
      },
      exposeRegisters: options.exposeRegisters === true,
      ctxConst: options.ctxSpecialised === true,
    },
    ops,
  ).source;
}

export const createJit: EngineFactory = (insns, options) => compileJit(insns, options);

/** Factory for trusted mode with the verifier's facts (programs the verifier accepted only). */
export function trustedJit(facts: JitFacts = NO_FACTS): EngineFactory {
  return (insns, options) => compileJit(insns, { ...options, mode: "trusted", facts });
}
