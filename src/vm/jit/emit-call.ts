/**
 * Code for calls and returns: helper calls (`call imm`, and `callx` through the dst register as
 * bpf_conformance's callx.data uses it), local calls with their frames, and `exit`.
 *
 * Helper ABI (helper-abi.ts): r1-r5 go into the shared register file before the call, r0 comes
 * back from it; in checked mode r1-r5 are read back too, because the interpreter's registers
 * ARE that file and a helper could have changed them. Local calls save r6-r10 per frame in
 * `FS` (11 words: return slot + 5 registers' halves), move r10 down one 512-byte frame and
 * zero it, as the interpreter does (bpf-isa-summary §3.4); the depth limit is 8 frames.
 * The conformance "unwind" helper ends the program with r0 = 0 when it returns 0.
 */
import { MAX_CALL_DEPTH, MAX_STACK, Op, type Insn } from "../isa.js";
import type { CodegenOptions } from "./codegen.js";
import { ALL_REG_NAMES, STACK_SIZE, hi, lo, num, type EmitCtx } from "./source.js";

/** Copy every register to RX (lo halves in words 0..10, hi halves in 11..21: the names table order). */
function emitExpose(w: (s: string) => void): void {
  ALL_REG_NAMES.forEach((r, i) => {
    w(`RX[${num(i)}] = ${r};`);
  });
}

export function emitExit(hasLocalCalls: boolean, expose: boolean, counted: boolean, w: (s: string) => void): void {
  const ret = (): void => {
    if (expose) emitExpose(w);
    w(counted ? `E.executed = n;` : `E.executed = -1;`);
    w(`E.r0hi = r0h >>> 0;`);
    w(`return r0l >>> 0;`);
  };
  if (!hasLocalCalls) {
    ret();
    return;
  }
  w(`if (d === 0) {`);
  ret();
  w(`}`);
  // Return from a local call: restore r6-r9 and r10 (both halves) saved by the call.
  w(`d = d - 1;`);
  w(`c = d * 11;`);
  w(`b = FS[c];`);
  const saved = [6, 7, 8, 9, 10];
  saved.forEach((r, i) => {
    w(`${lo(r, -1)} = FS[c + ${num(1 + 2 * i)}];`);
    w(`${hi(r, -1)} = FS[c + ${num(2 + 2 * i)}];`);
  });
  w(`continue;`);
}

export function emitLocalCall(pc: number, target: number, nAt: string, w: (s: string) => void): void {
  w(`if (d + 1 >= ${num(MAX_CALL_DEPTH)}) throw callDepth(${num(pc)}, ${nAt});`);
  w(`c = d * 11;`);
  w(`FS[c] = ${num(pc + 1)};`);
  const saved = [6, 7, 8, 9, 10];
  saved.forEach((r, i) => {
    w(`FS[c + ${num(1 + 2 * i)}] = ${lo(r, pc)};`);
    w(`FS[c + ${num(2 + 2 * i)}] = ${hi(r, pc)};`);
  });
  w(`d = d + 1;`);
  // The callee's 512-byte frame reads as zero. The stack was zero when the run began and dz is
  // the lowest byte the run may have written since (programs with local calls track every
  // store dynamically), so only [dz, r10l) can hold anything.
  w(`r10l = ${num(STACK_SIZE)} - d * ${num(MAX_STACK)};`);
  w(`if (dz < r10l) SB.fill(0, dz > r10l - ${num(MAX_STACK)} ? dz : r10l - ${num(MAX_STACK)}, r10l);`);
  w(`b = ${num(target)};`);
  w(`continue;`);
}

/** A helper call: `call imm` (Op.CALL) or `callx` through dst (Op.CALLX). */
export function emitHelperCall(ctx: EmitCtx, op: Op.CALL | Op.CALLX, ins: Insn, opt: CodegenOptions): void {
  const { w, pc, nAt } = ctx;
  let fn: string;
  let idExpr: string | undefined;
  if (op === Op.CALLX) {
    // Target = helper id in the dst register (bpf_conformance `callx.data`), read before the call.
    w(`c = ${lo(ins.dst, pc)};`);
    w(`f = callx(c, ${hi(ins.dst, pc)}, ${num(ins.dst, pc)}, ${num(pc)}, ${nAt});`);
    fn = "f";
    idExpr = "(c >>> 0)";
  } else {
    const slot = opt.helperSlot(ins.imm | 0);
    if (slot === undefined) {
      w(`f = helperById(${num(ins.imm | 0, pc)}, ${num(pc)}, ${nAt});`);
      fn = "f";
    } else {
      fn = `h${String(num(slot))}`;
    }
  }
  for (let r = 1; r <= 5; r++) {
    w(`RF[${num(2 * r)}] = ${lo(r, pc)};`);
    w(`RF[${num(2 * r + 1)}] = ${hi(r, pc)};`);
  }
  // A helper may write anywhere in the stack through a pointer argument, unless it is known to
  // only read through them (HelperFn.writesArgs): then the next run need not clear the stack.
  if (op === Op.CALLX || opt.helperWrites(ins.imm | 0)) w(`dz = 0;`);
  w(`try { ${fn}(RF, M); } catch (e) { throw helperFault(e, ${num(pc)}, ${nAt}); }`);
  w(`r0l = RF[0] | 0;`);
  w(`r0h = RF[1] | 0;`);
  w(`ch = 0;`);
  w(`cv = NV;`);
  w(`R = undefined;`);
  // A helper could rebind the ctx region (none does: ctx is the model's fixed region); the
  // specialised copy would then read stale bytes, so it stops with a located trap instead.
  if (ctx.ctxConst === true) w(`if (XR.view !== XV) throw ctxMoved(${num(pc)}, ${nAt});`);
  if (!ctx.trusted) {
    // The interpreter's registers ARE the helper's register file; mirror anything a helper
    // changed in r1-r5 (verified programs never read them after a call, so trusted mode skips this).
    for (let r = 1; r <= 5; r++) {
      w(`${lo(r, pc)} = RF[${num(2 * r)}] | 0;`);
      w(`${hi(r, pc)} = RF[${num(2 * r + 1)}] | 0;`);
    }
  }
  const unwind = opt.unwindHelper;
  if (unwind !== undefined) {
    const isUnwind =
      idExpr !== undefined ? `${idExpr} === ${num(unwind)} && ` : (ins.imm | 0) === unwind ? "" : undefined;
    if (isUnwind !== undefined) {
      w(`if (${isUnwind}r0l === 0 && r0h === 0) {`);
      if (opt.exposeRegisters) emitExpose(w);
      w(`E.executed = ${nAt}; E.r0hi = 0; return 0; }`);
    }
  }
}
