/**
 * Instruction buffer for the code generator: emits slots (an `lddw` takes two, as `decode`
 * produces them), binds labels and patches jump offsets, records the source span of every
 * slot (the source map), and drops code emitted where control cannot reach, because the
 * kernel rejects unreachable instructions. Every instruction is named by its `Op` (`insnOf`).
 */
import { CompileError } from "../errors.js";
import { type Insn, insnOf, makeInsn, Op, opOf, R10, toSlots } from "../vm/isa.js";
import type { Span } from "./ast.js";

export interface Label {
  pos: number;
  readonly refs: number[];
}

export class Emitter {
  readonly insns: Insn[] = [];
  readonly spans: (Span | undefined)[] = [];
  span: Span | undefined;
  private reachable = true;

  get live(): boolean {
    return this.reachable;
  }

  emit(i: Insn): void {
    if (!this.reachable) return;
    // An lddw takes two slots (toSlots adds the second); both map to the same span.
    for (const slot of toSlots([i])) {
      this.insns.push(slot);
      this.spans.push(this.span);
    }
    const op = opOf(i);
    if (op === Op.EXIT || op === Op.JA) this.reachable = false;
  }

  label(): Label {
    return { pos: -1, refs: [] };
  }

  /** A jump (conditional or `ja`) to `l`; the offset is patched when both ends are known. */
  jump(op: Op, dst: number, src: number, imm: number, l: Label): void {
    if (!this.reachable) return;
    const at = this.insns.length;
    this.emit(insnOf(op, dst, src, 0, imm));
    if (l.pos >= 0) this.patch(at, l.pos);
    else l.refs.push(at);
  }

  goto(l: Label): void {
    this.jump(Op.JA, 0, 0, 0, l);
  }

  bind(l: Label): void {
    l.pos = this.insns.length;
    if (l.refs.length > 0) this.reachable = true;
    for (const at of l.refs) this.patch(at, l.pos);
  }

  /** Loop heads are reached by fall-through and by later backward jumps. */
  bindHead(l: Label): void {
    l.pos = this.insns.length;
  }

  private patch(at: number, target: number): void {
    const off = target - at - 1;
    if (off < -32768 || off > 32767)
      throw new CompileError(
        "codegen.jump-range",
        `jump of ${off} instructions does not fit in 16 bits`,
        this.spans[at] ?? { insn: at },
        "split the policy into smaller functions or loops",
      );
    const i = this.insns[at]!;
    this.insns[at] = makeInsn(i.opcode, i.dst, i.src, off, i.imm);
  }

  // ---- common instruction shapes ----
  movImm(dst: number, v: bigint): void {
    if (v >= -(1n << 31n) && v < 1n << 31n) this.emit(insnOf(Op.MOV64_K, dst, 0, 0, Number(v)));
    else if (v >= 0n && v < 1n << 32n)
      this.emit(insnOf(Op.MOV32_K, dst, 0, 0, Number(BigInt.asIntN(32, v)))); // mov32 zero-extends
    else {
      const u = BigInt.asUintN(64, v);
      this.emit(
        insnOf(Op.LDDW, dst, 0, 0, Number(BigInt.asIntN(32, u & 0xffffffffn)), Number(BigInt.asIntN(32, u >> 32n))),
      );
    }
  }
  mov(dst: number, src: number): void {
    if (dst !== src) this.emit(insnOf(Op.MOV64_X, dst, src));
  }
  /** A register-operand ALU op (an `_X` Op). */
  alu(op: Op, dst: number, src: number): void {
    this.emit(insnOf(op, dst, src));
  }
  /** An immediate-operand ALU op (a `_K` Op). */
  aluImm(op: Op, dst: number, imm: number): void {
    this.emit(insnOf(op, dst, 0, 0, imm));
  }
  /** A load (an `LDX_*` Op). */
  ldx(op: Op, dst: number, src: number, off: number): void {
    this.emit(insnOf(op, dst, src, off));
  }
  /** A register store (an `STX_*` Op). */
  stx(op: Op, dst: number, off: number, src: number): void {
    this.emit(insnOf(op, dst, src, off));
  }
  /** An immediate store to the stack (an `ST_*` Op). */
  stImm(op: Op, off: number, imm: number): void {
    this.emit(insnOf(op, R10, 0, off, imm));
  }
  spill(off: number, src: number): void {
    this.stx(Op.STX_DW, R10, off, src);
  }
  fill(dst: number, off: number): void {
    this.ldx(Op.LDX_DW, dst, R10, off);
  }
  call(helper: number): void {
    this.emit(insnOf(Op.CALL, 0, 0, 0, helper));
  }
  exit(ret: number): void {
    this.emit(insnOf(Op.MOV64_K, 0, 0, 0, ret));
    this.emit(insnOf(Op.EXIT));
  }
}
