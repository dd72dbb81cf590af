/**
 * Generates the JavaScript source of one program: the body of `run`, which `jit.ts` wraps in a
 * factory over the runtime kit.
 *
 * Shape: registers are `let` locals (int32 halves). Blocks (`../cfg.ts`) are laid out in slot
 * order; where the block graph nests (`structure.ts`) jumps become `break B<n>` / `continue
 * L<n>` in labeled blocks and loops, otherwise (local calls, loops with two entries, very deep
 * nesting) blocks become cases of `for (;;) switch (b)` and a jump is `b = target; continue`.
 * Either way consecutive blocks fall through for free.
 *
 * Instruction budget (checked mode, and trusted mode without `loopsBounded`): a block of K
 * instructions adds K to the count once at its entry. When fewer than K remain, a second copy
 * of the block runs instead, counting one instruction at a time, so the budget trap names the
 * same instruction, reports the same `executed` and leaves the same memory as the interpreter.
 *
 * Traps mirror `interpreter.ts` exactly (code, message, instruction index and `executed`):
 * out-of-budget, bad slot / fell off the end, unknown helper, bad callx target, call depth,
 * helper faults (located by `VmTrap.at`), memory faults (through `AddressSpace.resolve`).
 */
import { BytecodeError } from "../../errors.js";
import { OP_DESC, Op, R10, opOf, type Insn, type OpKind } from "../isa.js";
import { buildBlocks, flowOf, lddwTails, type Block, type Flow } from "../cfg.js";
import { emitAlu } from "./emit-alu.js";
import { branchCondition } from "./emit-jmp.js";
import { emitExit, emitHelperCall, emitLocalCall } from "./emit-call.js";
import { emitAtomic, emitLddw, emitLoad, emitStore } from "./emit-mem.js";
import { structure } from "./structure.js";
import type { JitFacts } from "./facts.js";
import { ALL_REG_NAMES, STACK_SIZE, num, type EmitCtx } from "./source.js";

export { STACK_SIZE };

export interface CodegenOptions {
  readonly trusted: boolean;
  readonly facts: JitFacts;
  readonly budget: number;
  /** Helper id that unwinds the program when it returns 0 (`EngineOptions.unwindHelper`). */
  readonly unwindHelper: number | undefined;
  /** Helper ids known at compile time, in call-site order; index = `h<i>` in the source. */
  readonly helperSlot: (id: number) => number | undefined;
  /** Whether helper `id` (known at compile time) may write through its pointer arguments. */
  readonly helperWrites: (id: number) => boolean;
  /** Copy every register into `RX` at exit (for `registers()`; tests only). */
  readonly exposeRegisters: boolean;
  /**
   * Trusted mode: emit the ctx-specialised copy (`jit.ts`), whose ctx accesses use the factory
   * constants `XID`/`XV` and which hands any run whose r1 is not in that region, still bound to
   * that view, to the generic function `G`.
   */
  readonly ctxConst?: boolean;
}

/** The kinds of instruction that load or store (or both: atomics) through a register. */
const ACCESSES: ReadonlySet<OpKind> = new Set<OpKind>(["ldx", "ldxsx", "st", "stx", "atomic"]);

/** The kinds of instruction that write their dst register. */
const WRITES_DST: ReadonlySet<OpKind> = new Set<OpKind>(["alu", "end", "ldx", "ldxsx", "lddw"]);

/** The kinds of instruction that may write the stack: stores, atomics, calls (helpers write through pointers). */
const DIRTIES: ReadonlySet<OpKind> = new Set<OpKind>(["st", "stx", "atomic", "call", "callx"]);

/**
 * Does the specialised copy have anything to specialise (a load/store the facts place in ctx)?
 * `ops`: each slot's `Op` (`opOf`), when the caller has decoded them already.
 */
export function hasCtxAccess(insns: readonly Insn[], facts: JitFacts, ops: readonly Op[] = insns.map(opOf)): boolean {
  const tail = lddwTails(insns);
  for (let pc = 0; pc < insns.length; pc++) {
    if (tail[pc] === 1) continue;
    const f = facts.insns?.[pc];
    if (f?.memInBounds !== true || f.memRegion !== "ctx") continue;
    if (ACCESSES.has(OP_DESC[ops[pc]!]!.kind)) return true;
  }
  return false;
}

/** Does any instruction write r10 (possible only in unvalidated programs)? */
function writesR10(insns: readonly Insn[], ops: readonly Op[], tail: Uint8Array): boolean {
  for (let i = 0; i < insns.length; i++) {
    if (tail[i] === 1) continue;
    const ins = insns[i]!;
    const kind = OP_DESC[ops[i]!]!.kind;
    if (WRITES_DST.has(kind) && ins.dst === R10) return true;
    // An atomic with fetch writes its source register.
    if (kind === "atomic" && ins.src === R10) return true;
  }
  return false;
}

/**
 * Most blocks laid out as nested scopes; beyond it the dispatcher. `structure` compares its
 * scopes pairwise until they nest, so its cost grows with the square of the block count: a
 * 100,000-instruction program with a branch every 8 instructions spent seconds there alone.
 */
export const MAX_STRUCTURED_BLOCKS = 2048;

export interface Generated {
  /** Body of the `run` function's factory (see jit.ts). */
  readonly source: string;
  /** How control flow was compiled: nested scopes, or the `switch` dispatcher. */
  readonly control: "structured" | "dispatch";
}

/** `ops`: each slot's `Op` (`opOf`), when the caller has decoded them already. */
export function generate(insns: readonly Insn[], opt: CodegenOptions, ops: readonly Op[] = insns.map(opOf)): Generated {
  const tail = lddwTails(insns);
  const blocks = buildBlocks(insns, tail);
  const len = insns.length;
  const B = opt.budget;
  // Trusted mode with every loop proven bounded neither checks nor counts: `executed` is -1
  // ("not counted", engine.ts), which keeps the hot loop free of the counter.
  const countBudget = !(opt.trusted && opt.facts.loopsBounded === true);
  const spec = opt.trusted && opt.ctxConst === true;
  // Each slot's effect on control flow, worked out once (code is emitted twice per counted block).
  const flows: Flow[] = insns.map((ins, pc) => flowOf(ins, pc));
  let hasLocalCalls = false;
  let dirties = false;
  for (let i = 0; i < len; i++) {
    if (tail[i] === 1) continue;
    const op = ops[i]!;
    if (op === Op.CALL_LOCAL) hasLocalCalls = true;
    if (DIRTIES.has(OP_DESC[op]!.kind)) dirties = true;
  }
  // With r10 constant (never written, no frames), a store through r10 hits a known offset, so
  // the stack low-water mark is known at compile time and the store needs no tracking.
  const r10Const = !hasLocalCalls && !writesR10(insns, ops, tail);
  let staticLow = STACK_SIZE;

  const out: string[] = [];
  const w = (s: string): void => {
    out.push(s);
  };

  /** Emit instruction `pc` of block `from`; `nAt` is the executed count if it traps. */
  const emitInsn = (pc: number, nAt: string, from: number): void => {
    const ctx: EmitCtx = { trusted: opt.trusted, facts: opt.facts, pc, nAt, r10Const, w, ctxConst: spec };
    if (tail[pc] === 1) {
      w(`throw badSlot(${num(pc)}, ${nAt} - 1);`);
      return;
    }
    const ins = insns[pc]!;
    const op = ops[pc]!;
    const f = flows[pc]!;
    switch (f.kind) {
      case "exit":
        emitExit(hasLocalCalls, opt.exposeRegisters, countBudget, w);
        return;
      case "jump":
        w(goto(from, f.target));
        return;
      case "branch": {
        const cond = branchCondition(ctx, op, ins);
        if (cond === undefined)
          throw new BytecodeError(
            "jit.internal",
            `no branch condition for ${OP_DESC[op]!.name} (opcode 0x${ins.opcode.toString(16)}; JIT bug)`,
            { insn: pc },
          );
        const g = goto(from, f.target);
        if (g !== "") w(`if (${cond}) { ${g} }`);
        return;
      }
      case "local-call":
        emitLocalCall(pc, f.target, nAt, w);
        return;
      case "none":
        break;
    }
    let ok: boolean;
    switch (OP_DESC[op]!.kind) {
      case "call":
      case "callx":
        // A local call is control flow (above); a kfunc call never gets here (`checkExecutable`).
        if (op !== Op.CALL && op !== Op.CALLX) {
          ok = false;
          break;
        }
        emitHelperCall(ctx, op, ins, opt);
        return;
      case "alu":
      case "end":
        ok = emitAlu(ctx, op, ins);
        break;
      case "ldx":
      case "ldxsx":
        ok = emitLoad(ctx, op, ins);
        break;
      case "st":
      case "stx":
        ok = emitStore(ctx, op, ins);
        if (ok) markStackWrite(ins, ins.dst);
        break;
      case "atomic":
        ok = emitAtomic(ctx, op, ins);
        if (ok) markStackWrite(ins, ins.dst);
        break;
      case "lddw":
        ok = emitLddw(ctx, op, ins);
        break;
      default:
        ok = false;
    }
    if (!ok)
      throw new BytecodeError(
        "jit.internal",
        `${OP_DESC[op]!.name} (opcode 0x${ins.opcode.toString(16)}) passed the executable check but has no code (JIT bug)`,
        { insn: pc },
      );
  };

  /** After a store at `o` through region `R`: lower the stack low-water mark `dz`. */
  const markStackWrite = (ins: Insn, base: number): void => {
    if (base === R10 && r10Const) {
      staticLow = Math.min(staticLow, Math.max(0, STACK_SIZE + ins.off));
      return;
    }
    w(`if (o < dz && R === SR) dz = o;`);
  };

  const labels = blocks.map((bl) => bl.start);
  const indexOf = new Map<number, number>(labels.map((start, i) => [start, i]));
  // Structured control flow where the block graph nests (structure.ts); the dispatcher otherwise.
  const edges = blocks.map((bl, i) => {
    const out: number[] = [];
    const last = bl.pcs[bl.pcs.length - 1]!;
    if (tail[last] !== 1) {
      const f = flows[last]!;
      if (f.kind === "branch" || f.kind === "jump") {
        const j = indexOf.get(f.target);
        if (j !== undefined) out.push(j);
      }
    }
    if (!bl.terminated && labels[i + 1] !== bl.fallthrough) {
      const j = indexOf.get(bl.fallthrough);
      if (j !== undefined) out.push(j);
    }
    return out;
  });
  const shape = hasLocalCalls || blocks.length > MAX_STRUCTURED_BLOCKS ? undefined : structure(blocks.length, edges);
  const dispatch = shape === undefined;

  /** The statement that transfers control from block `from` to slot `slot` ("" when it falls through). */
  function goto(from: number, slot: number): string {
    if (dispatch) return `b = ${num(slot)}; continue;`;
    const j = indexOf.get(slot);
    // No block starts there: the interpreter fetches the slot, counts it against the budget, then traps.
    if (j === undefined) return `if (n >= ${num(B)}) throw budget(${num(slot)}, n); throw badSlot(${num(slot)}, n);`;
    if (j <= from) return `continue L${String(num(j))};`;
    if (j === from + 1) return "";
    return `break B${String(num(j))};`;
  }

  const emitBlock = (bl: Block, idx: number): void => {
    const K = bl.pcs.length;
    if (countBudget) {
      // Slow copy: fewer than K instructions remain in the budget.
      w(`if (n > ${num(B - K)}) {`);
      for (let k = 0; k < K - 1; k++) {
        w(`if (n >= ${num(B)}) throw budget(${num(bl.pcs[k]!)}, n);`);
        w(`n = n + 1;`);
        emitInsn(bl.pcs[k]!, "n", idx);
      }
      w(`throw budget(${num(bl.pcs[K - 1]!)}, n);`);
      w(`}`);
    }
    if (countBudget) w(`n = n + ${num(K)};`);
    for (let k = 0; k < K; k++)
      emitInsn(bl.pcs[k]!, !countBudget ? "-1" : K - k - 1 === 0 ? "n" : `(n - ${num(K - k - 1)})`, idx);
    if (!bl.terminated && labels[idx + 1] !== bl.fallthrough) {
      const g = dispatch ? `b = ${num(bl.fallthrough)}; continue;` : goto(idx, bl.fallthrough);
      if (g !== "") w(g);
    }
  };

  if (dispatch) {
    w(`for (;;) {`);
    w(`switch (b) {`);
    blocks.forEach((bl, i) => {
      w(`case ${num(bl.start)}: {`);
      emitBlock(bl, i);
      w(`}`);
    });
    w(`default:`);
    w(`if (n >= ${num(B)}) throw budget(b, n);`);
    w(`throw badSlot(b, n);`);
    w(`}`);
    w(`}`);
  } else {
    blocks.forEach((bl, i) => {
      for (const sc of shape.opens[i]!)
        w(sc.kind === "loop" ? `L${String(num(sc.target))}: for (;;) {` : `B${String(num(sc.target))}: {`);
      emitBlock(bl, i);
      for (const sc of shape.closes[i]!) w(sc.kind === "loop" ? `break L${String(num(sc.target))}; }` : `}`);
    });
  }
  const body = out;

  // ---- function prologue ----
  const pro: string[] = [];
  pro.push(`function run(a1h, a1l, a2) {`);
  // The specialised copy only runs with r1 in the region it was made for (`XR`: regions are
  // never removed from an address space, so RG[XID] stays XR), still bound to the same bytes (a
  // rebind replaces the view); every other run takes the generic function.
  if (spec) pro.push(`if (a1h !== XID || XR.view !== XV) return G(a1h, a1l, a2);`);
  const init = ALL_REG_NAMES.map((r) => {
    if (r === "r1l") return "r1l = a1l | 0";
    if (r === "r1h") return "r1h = a1h | 0";
    if (r === "r2l") return "r2l = a2 | 0";
    if (r === "r10l") return `r10l = ${num(STACK_SIZE)}`;
    if (r === "r10h") return "r10h = SID";
    return `${r} = 0`;
  });
  pro.push(`let ${init.join(", ")};`);
  pro.push(`let n = 0, b = 0, d = 0, t = 0, u = 0, c = 0, o = 0, R = undefined, f = undefined, ch = 0, cv = NV;`);
  if (dirties) {
    // The stack reads as zero at the start of every run (as in the interpreter).
    // Bytes below dz are already zero, so the loop may start at dz's word: word stores in
    // JavaScript, since TypedArray.prototype.fill is a runtime call costing more than a short
    // range of stores (a program's own frame is usually a few words).
    pro.push(`if (dz < ${num(STACK_SIZE)}) { for (t = dz >> 2; t < ${num(STACK_SIZE / 4)}; t++) SI[t] = 0; }`);
    pro.push(`dz = ${num(staticLow)};`);
  }
  if (opt.trusted) pro.push(`try {`);
  const epi: string[] = [];
  if (opt.trusted) epi.push(`} catch (e) { throw trustedFault(e); }`);
  epi.push(`}`);

  // concat, not spread: a large program has more lines than a call may take arguments.
  return { source: pro.concat(body, epi).join("\n"), control: dispatch ? "dispatch" : "structured" };
}
