/**
 * Instruction buffer for the code generator: emits slots (an `lddw` takes two, as `decode`
 * produces them), binds labels and patches jump offsets, records the source span of every
 * slot (the source map), and drops code emitted where control cannot reach, because the
 * kernel rejects unreachable instructions. Opcodes are composed from isa.ts constants only.
 */
import { CompileError } from "../errors.js";
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_DW,
  BPF_K,
  BPF_LDX,
  BPF_MEM,
  BPF_MOV,
  BPF_ST,
  BPF_STX,
  BPF_X,
  type Insn,
  makeInsn,
  OP_CALL,
  OP_EXIT,
  OP_JA,
  OP_LDDW,
  R10,
  toSlots,
} from "../vm/isa.js";
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
    if (i.opcode === OP_EXIT || i.opcode === OP_JA) this.reachable = false;
  }

  label(): Label {
    return { pos: -1, refs: [] };
  }

  /** A jump (conditional or `ja`) to `l`; the offset is patched when both ends are known. */
  jump(opcode: number, dst: number, src: number, imm: number, l: Label): void {
    if (!this.reachable) return;
    const at = this.insns.length;
    this.emit(makeInsn(opcode, dst, src, 0, imm));
    if (l.pos >= 0) this.patch(at, l.pos);
    else l.refs.push(at);
  }

  goto(l: Label): void {
    this.jump(OP_JA, 0, 0, 0, l);
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
    if (v >= -(1n << 31n) && v < 1n << 31n) this.emit(makeInsn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, Number(v)));
    else if (v >= 0n && v < 1n << 32n)
      this.emit(makeInsn(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, Number(BigInt.asIntN(32, v)))); // mov32 zero-extends
    else {
      const u = BigInt.asUintN(64, v);
      this.emit(
        makeInsn(OP_LDDW, dst, 0, 0, Number(BigInt.asIntN(32, u & 0xffffffffn)), Number(BigInt.asIntN(32, u >> 32n))),
      );
    }
  }
  mov(dst: number, src: number): void {
    if (dst !== src) this.emit(makeInsn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src));
  }
  alu(op: number, dst: number, src: number): void {
    this.emit(makeInsn(BPF_ALU64 | op | BPF_X, dst, src));
  }
  aluImm(op: number, dst: number, imm: number, off = 0): void {
    this.emit(makeInsn(BPF_ALU64 | op | BPF_K, dst, 0, off, imm));
  }
  ldx(size: number, dst: number, src: number, off: number): void {
    this.emit(makeInsn(BPF_LDX | BPF_MEM | size, dst, src, off));
  }
  stx(size: number, dst: number, off: number, src: number): void {
    this.emit(makeInsn(BPF_STX | BPF_MEM | size, dst, src, off));
  }
  stImm(size: number, off: number, imm: number): void {
    this.emit(makeInsn(BPF_ST | BPF_MEM | size, R10, 0, off, imm));
  }
  spill(off: number, src: number): void {
    this.stx(BPF_DW, R10, off, src);
  }
  fill(dst: number, off: number): void {
    this.ldx(BPF_DW, dst, R10, off);
  }
  call(helper: number): void {
    this.emit(makeInsn(OP_CALL, 0, 0, 0, helper));
  }
  exit(ret: number): void {
    this.emit(makeInsn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, ret));
    this.emit(makeInsn(OP_EXIT));
  }
}
