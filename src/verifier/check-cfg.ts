/**
 * Control-flow checks done before any state is tracked (the kernel's `check_subprogs` and
 * `check_cfg`, vm-anchors §2.1): every slot decodes, jumps land inside the program and not
 * in the middle of an `lddw`, the last instruction is `exit` or a jump, every instruction is
 * reachable, and — for unprivileged loads — there is no back-edge.
 *
 * It also attaches the static register liveness (live-regs.ts) that pruning uses.
 */
import { VerifyError } from "../errors.js";
import { BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE, OP_DESC, Op, jumpTarget } from "../vm/isa.js";
import type { ProgramType } from "../vm/program-type.js";
import { successors } from "../vm/cfg.js";
import { computeLiveRegs } from "./live-regs.js";
import type { OwnInsn } from "./own-insns.js";

export interface Cfg {
  /** Registers live before each instruction (bitmask; live-regs.ts). */
  readonly live: Int32Array;
  /** Slots that start an instruction (false for an lddw's second slot). */
  readonly isStart: boolean[];
  /**
   * Where states are compared and checkpointed (kernel `mark_prune_point` in `visit_insn`):
   * conditional jumps themselves, jump and call targets, the instruction after every call,
   * and local call instructions.
   */
  readonly prune: boolean[];
  /** Instructions reached out of sequence, recorded in a path's history (kernel `mark_jmp_point`). */
  readonly jmpPoint: boolean[];
  /** Entry points of local functions (besides 0). */
  readonly subprogs: number[];
  /** Successors of each instruction inside its function (for recomputing precision). */
  readonly succs: readonly (readonly number[])[];
  /** Targets of back-edges (loop heads), ascending. */
  readonly loopHeads: number[];
}

const hex2 = (n: number): string => n.toString(16).padStart(2, "0");

function fail(insn: number, msg: string, code = "verify.cfg"): never {
  throw new VerifyError(code, msg, { insn });
}

export function checkCfg(insns: readonly OwnInsn[], type: ProgramType, unprivileged: boolean): Cfg {
  const n = insns.length;
  if (n === 0) fail(0, "empty program: expected at least an exit instruction", "verify.empty");
  const isStart: boolean[] = new Array(n).fill(true);
  for (let i = 0; i < n; i++) {
    if (!isStart[i]) continue;
    const x = insns[i]!;
    if (x.op === Op.INVALID) fail(i, `unknown opcode ${hex2(x.opcode)}`, "verify.unknown-opcode");
    if (x.dst > 10 || x.src > 10) fail(i, `R${x.dst > 10 ? x.dst : x.src} is invalid`, "verify.bad-register");
    if (x.op === Op.LDDW) {
      if (i + 1 >= n) fail(i, "invalid BPF_LD_IMM insn", "verify.truncated-lddw");
      isStart[i + 1] = false;
      // The kernel checks every lddw's form before it looks at the control flow, so these
      // errors win over "unreachable insn" (resolve_pseudo_ldimm64). The map-dependent part
      // is step.ts resolveLddw.
      const y = insns[i + 1]!;
      if (y.opcode !== 0 || y.dst !== 0 || y.src !== 0 || y.off !== 0)
        fail(i, "invalid bpf_ld_imm64 insn", "verify.lddw-form");
      const mapFd = x.src === BPF_PSEUDO_MAP_FD || x.src === BPF_PSEUDO_MAP_IDX;
      if (x.src > BPF_PSEUDO_MAP_IDX_VALUE || (mapFd && x.imm2 !== 0))
        fail(i, "unrecognized bpf_ld_imm64 insn", "verify.lddw-src");
    }
  }
  const prune: boolean[] = new Array(n).fill(false);
  const jmpPoint: boolean[] = new Array(n).fill(false);
  const subprogs: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!isStart[i]) continue;
    const x = insns[i]!;
    const t = jumpTarget(x, i);
    if (t === undefined) continue;
    if (t < 0 || t >= n) fail(i, `jump out of range from insn ${i} to ${t}`, "verify.jump-range");
    if (!isStart[t]) fail(i, `jump into the middle of ldimm64 insn ${t - 1}`, "verify.jump-into-lddw");
    prune[t] = true;
    jmpPoint[t] = true;
    if (x.op === Op.CALL_LOCAL) {
      if (!subprogs.includes(t)) subprogs.push(t);
      prune[i] = true;
    } else if (OP_DESC[x.op]!.kind === "jmp") prune[i] = true;
  }
  for (let i = 0; i + 1 < n; i++) {
    // After every call, helper or local: where it returns to.
    if (isStart[i] && OP_DESC[insns[i]!.op]!.kind === "call") {
      prune[i + 1] = true;
      jmpPoint[i + 1] = true;
    }
  }
  const lastKind = OP_DESC[insns[n - 1]!.op]!.kind;
  if (!isStart[n - 1] || (lastKind !== "exit" && lastKind !== "ja"))
    fail(n - 1, "last insn is not an exit or jmp", "verify.fallthrough");

  // Depth-first walk from every function entry: reachability and back-edges.
  const color = new Uint8Array(n); // 0 new, 1 on stack, 2 done
  const heads: number[] = [];
  const entries = [0, ...subprogs];
  for (const entry of entries) {
    if (color[entry] !== 0) continue;
    const stack: [number, number][] = [[entry, 0]];
    color[entry] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const succ = successors(insns, top[0]);
      if (top[1] < succ.length) {
        const w = succ[top[1]++]!;
        if (w >= n) fail(top[0], `jump out of range from insn ${top[0]} to ${w}`, "verify.jump-range");
        if (color[w] === 1) {
          if (!heads.includes(w)) heads.push(w);
          if (unprivileged) fail(top[0], `back-edge from insn ${top[0]} to ${w}`, "verify.back-edge");
        } else if (color[w] === 0) {
          color[w] = 1;
          stack.push([w, 0]);
        }
      } else {
        color[top[0]] = 2;
        stack.pop();
      }
    }
  }
  for (let i = 0; i < n; i++) if (isStart[i] && color[i] === 0) fail(i, `unreachable insn ${i}`, "verify.unreachable");

  const succs = insns.map((_, i) => (isStart[i] ? successors(insns, i) : []));
  const live = computeLiveRegs(insns, isStart, succs, type);
  return { isStart, prune, jmpPoint, live, succs, subprogs, loopHeads: heads.sort((a, b) => a - b) };
}
