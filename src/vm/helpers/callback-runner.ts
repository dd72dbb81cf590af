/**
 * A `CallbackRunner` for bpf_loop / bpf_for_each_map_elem that needs nothing from the engines
 * beyond `Engine.run`: each callback runs in an engine of its own, built from the same program
 * behind a small trampoline that loads r1-r5 from an argument region and calls the callback as
 * a local function:
 *
 *   lddw r9, <args region>     ; 2 slots
 *   ldxdw r1..r5, [r9+0..32]
 *   mov r9, 0
 *   call local <callback>      ; the whole program follows, shifted as a block, so every
 *   exit                       ; relative jump and call inside it stays valid
 *   <program>
 *
 * Function pointers: `resolveFunctionPointers` turns each `lddw src=4` (BPF_PSEUDO_FUNC, target
 * = its index + imm + 1) into a constant naming the target in this runner's zero-size "functions"
 * region (hi = region id, lo = instruction index), which the engines load like any constant.
 * The callback gets its own stack frame region (the kernel gives it a new frame too); pointers
 * into the caller's stack (callback_ctx) stay valid because both engines share one address
 * space. A callback that itself calls bpf_loop runs in an engine one level deeper.
 */
import { VmTrap } from "../../errors.js";
import type { EngineFactory, Engine } from "../engine.js";
import type { CallbackRunner, HelperTable, RegisterFile } from "../helper-abi.js";
import { BPF_PSEUDO_FUNC, insnOf, isWide, makeInsn, Op, type Insn } from "../isa.js";
import { formatAddress, type AddressSpace, type Region } from "../memory.js";

/** Slots before the program in a callback engine's code. */
const TRAMPOLINE = 10;
/** The kernel allows 8 nested call frames; a deeper nesting of callbacks is a trap. */
const MAX_DEPTH = 8;

export class SubprogramRunner implements CallbackRunner {
  private readonly funcs: Region;
  private readonly args: Region;
  private readonly engines = new Map<string, Engine>();
  private depth = 0;

  constructor(
    private readonly insns: readonly Insn[],
    private readonly mem: AddressSpace,
    private readonly factory: EngineFactory,
    /** The helpers the callbacks call (the caller's table: it holds bpf_loop bound to this runner). */
    private readonly helpers: () => HelperTable,
    private readonly budget?: number,
  ) {
    this.funcs = mem.add("functions", new Uint8Array(0), false);
    this.args = mem.add("callback args", new Uint8Array(40), true);
  }

  /** The program with every `lddw src=4` replaced by a constant naming its target. */
  resolveFunctionPointers(): Insn[] {
    const out = this.insns.slice();
    for (let i = 0; i < out.length; i++) {
      const x = out[i]!;
      if (!isWide(x) || x.src !== BPF_PSEUDO_FUNC) continue;
      const target = i + x.imm + 1;
      if (target < 0 || target >= this.insns.length)
        throw new VmTrap("vm.bad-func-ptr", `lddw src=4 at ${i} names instruction ${target}, outside the program`, {
          insn: i,
        });
      out[i] = insnOf(Op.LDDW, x.dst, 0, 0, target, this.funcs.id);
      // The second slot carries the high half too, as relocate() writes it for map pointers.
      const second = out[i + 1];
      if (second !== undefined && second.opcode === 0)
        out[i + 1] = makeInsn(0, second.dst, second.src, second.off, this.funcs.id, 0);
    }
    return out;
  }

  call(fnHi: number, fnLo: number, regs: RegisterFile): void {
    if (fnHi !== this.funcs.id || fnLo >= this.insns.length)
      throw new VmTrap(
        "vm.bad-func-ptr",
        `callback pointer ${formatAddress(fnHi, fnLo)} names no function of this program`,
      );
    if (this.depth >= MAX_DEPTH) throw new VmTrap("vm.call-depth", `callbacks nested deeper than ${MAX_DEPTH} frames`);
    const engine = this.engineFor(fnLo);
    const a = this.args.bytes;
    for (let r = 1; r <= 5; r++) {
      const w = new Uint32Array(a.buffer, a.byteOffset + (r - 1) * 8, 2);
      w[0] = regs[2 * r]!;
      w[1] = regs[2 * r + 1]!;
    }
    this.depth++;
    try {
      regs[0] = engine.run(0, 0, 0);
      regs[1] = engine.r0hi;
    } finally {
      this.depth--;
    }
  }

  private engineFor(target: number): Engine {
    const key = `${this.depth}:${target}`;
    let e = this.engines.get(key);
    if (e === undefined) {
      const code: Insn[] = [
        insnOf(Op.LDDW, 9, 0, 0, 0, this.args.id),
        makeInsn(0, 0, 0, 0, this.args.id), // the lddw's second slot
        ...[1, 2, 3, 4, 5].map((r) => insnOf(Op.LDX_DW, r, 9, (r - 1) * 8)),
        insnOf(Op.MOV64_K, 9, 0, 0, 0),
        insnOf(Op.CALL_LOCAL, 0, 0, 0, TRAMPOLINE + target - (TRAMPOLINE - 1)),
        insnOf(Op.EXIT),
        ...this.resolveFunctionPointers(),
      ];
      e = this.factory(code, {
        mem: this.mem,
        helpers: this.helpers(),
        ...(this.budget !== undefined ? { budget: this.budget } : {}),
      });
      this.engines.set(key, e);
    }
    return e;
  }
}
