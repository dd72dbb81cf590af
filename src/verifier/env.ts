/**
 * The verifier's working context shared by the per-instruction checkers: the program, its
 * type and maps, the privilege mode, the current state, the id generator and the registers
 * and stack slots "scratched" by the current instruction (printed after it in the log, as
 * the kernel does). Also the one way to reject: `reject` throws a located `VerifyError`.
 */
import { VerifyError } from "../errors.js";
import type { Insn } from "../vm/isa.js";
import type { MapSpec } from "../vm/map-spec.js";
import type { ProgramType } from "../vm/program-type.js";
import type { StackLiveness } from "./liveness.js";
import type { RegionKind } from "../vm/facts.js";
import { curFrame, type Frame, type Reg, type VState } from "./state.js";

export class Env {
  /** Last id handed out (or_null results, linked scalars). */
  idGen = 0;
  cur!: VState;
  insnIdx = 0;
  /** Registers and slots the current instruction touched, kept only for the log (`logging`). */
  readonly scratchedRegs = new Set<number>();
  readonly scratchedSlots = new Set<number>();
  logging = false;
  /** Extra log lines to print after the error message (kernel prints a second line sometimes). */
  extra: string[] = [];
  /**
   * What the current instruction asked of precision tracking (backtrack.ts), handled by the
   * exploration loop once the instruction is done: registers of the current frame whose exact
   * value a check relied on, and stack slots [frame, spi] likewise.
   */
  readonly preciseRegs: number[] = [];
  readonly preciseSlots: [number, number][] = [];
  /** The slot a spill or fill of the current instruction touched ([frame, spi]), for the path's history. */
  stackAccess: [number, number] | null = null;
  /** The kind of object the last checked memory access hit (mem.ts checkMemAccess). */
  accessKind: RegionKind = "stack";
  /** Stack liveness being gathered (set by the exploration loop). */
  liveness: StackLiveness | undefined;

  constructor(
    readonly insns: readonly Insn[],
    readonly type: ProgramType,
    readonly maps: ReadonlyMap<number, MapSpec>,
    readonly unprivileged: boolean,
    readonly attachType: number,
  ) {}

  get frame(): Frame {
    return curFrame(this.cur);
  }

  nextId(): number {
    return ++this.idGen;
  }

  reg(r: number): Reg {
    return this.frame.regs[r]!;
  }

  /** Read a register's value, rejecting uninitialized ones (kernel `check_reg_arg` SRC_OP). */
  readReg(r: number): Reg {
    const v = this.frame.regs[r]!;
    if (v.type === "not_init")
      this.reject(
        `R${r} !read_ok`,
        "verify.uninit-reg",
        `R${r} is read before any instruction wrote it; initialize it first`,
      );
    if (this.logging) this.scratchedRegs.add(r);
    return v;
  }

  /** Write a register (r10 is read-only). */
  setReg(r: number, v: Reg): void {
    if (r === 10)
      this.reject(
        "frame pointer is read only",
        "verify.fp-write",
        "r10 is the frame pointer; copy it to another register before doing arithmetic",
      );
    this.frame.regs[r] = v;
    if (this.logging) this.scratchedRegs.add(r);
  }

  /** The current instruction touched register `r` / stack slot `spi` (the log prints them after it). */
  scratchReg(r: number): void {
    if (this.logging) this.scratchedRegs.add(r);
  }
  scratchSlot(spi: number): void {
    if (this.logging) this.scratchedSlots.add(spi);
  }

  /** A check relied on the exact value of scalar r`regno` (kernel `mark_chain_precision`). */
  markPrecise(regno: number): void {
    this.preciseRegs.push(regno);
  }

  /** A check relied on the exact value spilled in a stack slot. */
  markSlotPrecise(frame: number, spi: number): void {
    this.preciseSlots.push([frame, spi]);
  }

  /** A register was spilled to or filled from a slot at a fixed offset (kernel INSN_F_STACK_ACCESS). */
  noteStackAccess(frame: number, spi: number): void {
    this.stackAccess = [frame, spi];
  }

  /** The current instruction may read slots (lo: 0-31, hi: 32-63 as bit masks) of frame `frame` (stack liveness). */
  stackReadMark(frame: number, lo: number, hi: number): void {
    this.liveness?.read(this.cur, this.insnIdx, frame, lo, hi);
  }

  /** The current instruction overwrites slot `spi` of `frame` whole (stack liveness). */
  stackWriteMark(frame: number, spi: number): void {
    this.liveness?.write(frame, spi);
  }

  reject(message: string, code: string, hint?: string): never {
    throw new VerifyError(code, message, { insn: this.insnIdx }, hint);
  }
}
