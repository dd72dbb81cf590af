/**
 * The reference execution engine: a switch-dispatch interpreter over a pre-decoded image.
 *
 * At construction every slot is mapped to a dense handler code (`H`, local to this file so that
 * tsc and esbuild inline the numbers and V8 compiles the switch to a jump table) and its
 * operands are unpacked into one Int32Array that also holds the registers
 * (interpreter-layout.ts): the hot loop then touches a single typed array, so V8 checks its
 * map/length/detach state once per instruction instead of once per operand. Register halves are
 * handled as int32 (unsigned views only where a comparison or division needs them), which keeps
 * V8 on 32-bit integer code with no overflow checks or float conversions. Helpers get a
 * `Uint32Array` view of the same words (helper-abi.ts).
 *
 * Instructions are counted per straight-line run (interpreter-layout.ts): the budget check and
 * the counter update happen once per control transfer (jump handlers only decide `tk`, one
 * shared tail moves p and the count), and the exact budget trap is armed only when a run would
 * cross it. A few frequent pairs are fused into one handler (`fuse`: a rule on instruction kinds
 * that applies to every program), with the later slots keeping their own handlers for jumps
 * that land on them. Fused handlers do the same work in the same order, add the same run
 * lengths and check the budget at the same transfers as the unfused slots.
 *
 * Measured on least_loaded (88 instructions, CPU time, same process as a hand-written JS
 * function): ~23x the JS function before these devices, ~15.5x after. Roughly, each one's
 * share: one array + int32 halves + per-run counting ~5% (only once the layout numbers were
 * literals: imported constants cost a context load and hole check per use and made it 20%
 * slower), inlined 64-bit compares + region caches ~15%, fused pairs ~10%, the shared jump
 * tail with precomputed target lengths ~10%, masking p ~2%. Not helpful: allocating the
 * typed-array view per run, prefetching the target's handler word into the jump record. What
 * remains is V8's per-access cost of a typed array (bounds check + address arithmetic, ~5
 * machine instructions per operand) and one indirect jump per handler: ~2-3 ns per
 * instruction on every shape in bench/shapes.bench.ts. Larger groups fused after one loop's
 * exact shape (a compare-and-select, a whole argmin scan) were removed: they made that loop
 * 1.7x faster and no other program.
 *
 * Since then (same-process A/B against the previous interpreter, bench/shapes.bench.ts
 * programs, medians of three): local calls keep their frames in the image and skip saving
 * r6-r9 for callees that cannot write them (call_heavy 0.54x the time); more generic fusion
 * rules (fuse(): a mov folded into the ALU op after it, add + load, add K + jump) and
 * branch-free constant shifts (argmin_reordered 0.78x, table_lookup 0.81x, hash_mod 0.86x,
 * byte_parse 0.88x; argmin 1.02x, unchanged within the noise). Not helpful: reading every ALU
 * op's first operand from a word of its own and stepping by a per-record distance (the
 * three-address rule without separate cases) made every plain dispatch 1.3x slower; folding
 * ldxdw into the add + load rule gained nothing. What bounds the rest: a dispatch costs
 * ~1.5-2.5 ns here even in a minimal switch loop over an Int32Array, and a load about twice
 * an ALU op (the region cache's DataView needs type and bounds checks on every access), so a
 * shape whose loop C compiles to a few machine instructions per eBPF instruction
 * (table_lookup) stays far above 25x C.
 *
 * Loads and stores keep a one-entry cache each of the last region they resolved (id, view,
 * size; stores only ever cache writable regions); a helper may rebind regions, so every
 * helper call empties both. A local call zeroes only the part of the callee's frame the run
 * may have written (below the stack's low-water mark), not all 512 bytes.
 *
 * Every load/store goes through `AddressSpace.resolve` (region by high word, bounds, write
 * permission) on a cache miss. The stack is one region of 8 frames x 512 bytes; a local call
 * moves r10 down one frame and saves its return record and r6-r9 in the image's frame words
 * (bpf-isa-summary §3.4), r6-r9 only when the callee may write them (CalleeWrites); r10
 * is not saved: no instruction writes it, so it follows from the call depth. Frames are zeroed
 * lazily: only when the previous run could have written them.
 * Deliberately omitted: `lddw` pseudo sources other than 0 (a loader must resolve map/func
 * references first), legacy packet loads (rejected by the structural check), tail calls. Input
 * must have passed `checkStructure` (validate.ts): register numbers and jump targets are
 * trusted here.
 */
import { BytecodeError, VmTrap } from "../errors.js";
import { DEFAULT_BUDGET, type Engine, type EngineFactory, type EngineOptions } from "./engine.js";
import { REG_WORDS, type HelperFn, type RegisterFile } from "./helper-abi.js";
import { arsh64, atomic, bswap16, bswap32, lsh64, mul64, rsh64, sdivmod64, udivmod64 } from "./interpreter-arith.js";
import * as layout from "./interpreter-layout.js";
import { armBudget, fillRunLengths, restore, word } from "./interpreter-layout.js";
import { successors } from "./cfg.js";
import { BPF_ALU64, BPF_JMP, MAX_CALL_DEPTH, MAX_STACK, OP_DESC, Op, opOf, type Insn, jumpTarget } from "./isa.js";
import type { AddressSpace, Region } from "./memory.js";
import {
  badCallxTrap,
  badInsnTrap,
  budgetTrap,
  callDepthTrap,
  fellOffTrap,
  lddwPseudoError,
  unknownHelperTrap,
  unsupportedInsnError,
} from "./traps.js";

const STACK_SIZE = MAX_STACK * MAX_CALL_DEPTH;

/**
 * Dense handler codes; local to this file so the numbers are literals in the switch, whichever
 * tool compiles it (see `Op` in isa.ts). The first part is `Op` in its order, so an
 * instruction's handler is its `Op` (test/vm/isa.test.ts holds the two lists equal); some
 * share a handler (mapInsn). The rest are handlers of the interpreter's own.
 */
const enum H {
  // ---- `Op`, in its order ----
  INVALID,
  ADD64_K,
  ADD64_X,
  SUB64_K,
  SUB64_X,
  MUL64_K,
  MUL64_X,
  DIV64_K,
  DIV64_X,
  SDIV64_K,
  SDIV64_X,
  MOD64_K,
  MOD64_X,
  SMOD64_K,
  SMOD64_X,
  OR64_K,
  OR64_X,
  AND64_K,
  AND64_X,
  XOR64_K,
  XOR64_X,
  LSH64_K,
  LSH64_X,
  RSH64_K,
  RSH64_X,
  ARSH64_K,
  ARSH64_X,
  NEG64,
  MOV64_K,
  MOV64_X,
  MOVSX8_64,
  MOVSX16_64,
  MOVSX32_64,
  ADD32_K,
  ADD32_X,
  SUB32_K,
  SUB32_X,
  MUL32_K,
  MUL32_X,
  DIV32_K,
  DIV32_X,
  SDIV32_K,
  SDIV32_X,
  MOD32_K,
  MOD32_X,
  SMOD32_K,
  SMOD32_X,
  OR32_K,
  OR32_X,
  AND32_K,
  AND32_X,
  XOR32_K,
  XOR32_X,
  LSH32_K,
  LSH32_X,
  RSH32_K,
  RSH32_X,
  ARSH32_K,
  ARSH32_X,
  NEG32,
  MOV32_K,
  MOV32_X,
  MOVSX8_32,
  MOVSX16_32,
  LE16,
  LE32,
  LE64,
  BE16,
  BE32,
  BE64,
  BSWAP16,
  BSWAP32,
  BSWAP64,
  JA,
  JA32,
  JEQ_K,
  JEQ_X,
  JNE_K,
  JNE_X,
  JSET_K,
  JSET_X,
  JGT_K,
  JGT_X,
  JGE_K,
  JGE_X,
  JLT_K,
  JLT_X,
  JLE_K,
  JLE_X,
  JSGT_K,
  JSGT_X,
  JSGE_K,
  JSGE_X,
  JSLT_K,
  JSLT_X,
  JSLE_K,
  JSLE_X,
  JEQ32_K,
  JEQ32_X,
  JNE32_K,
  JNE32_X,
  JSET32_K,
  JSET32_X,
  JGT32_K,
  JGT32_X,
  JGE32_K,
  JGE32_X,
  JLT32_K,
  JLT32_X,
  JLE32_K,
  JLE32_X,
  JSGT32_K,
  JSGT32_X,
  JSGE32_K,
  JSGE32_X,
  JSLT32_K,
  JSLT32_X,
  JSLE32_K,
  JSLE32_X,
  CALL,
  CALL_LOCAL,
  CALL_KFUNC,
  CALLX,
  EXIT,
  LDDW,
  LDX_B,
  LDX_H,
  LDX_W,
  LDX_DW,
  LDXS_B,
  LDXS_H,
  LDXS_W,
  ST_B,
  ST_H,
  ST_W,
  ST_DW,
  STX_B,
  STX_H,
  STX_W,
  STX_DW,
  ATOMIC32,
  ATOMIC64,
  LDABS_B,
  LDABS_H,
  LDABS_W,
  LDIND_B,
  LDIND_H,
  LDIND_W,
  // ---- the interpreter's own ----
  END_OF_PROGRAM,
  /** le64, and constant shifts by 0. */
  NOP,
  /** 64-bit shifts by a constant of 32-63. */
  LSH64_KW,
  RSH64_KW,
  ARSH64_KW,
  /** Instruction budget+1 (written over a handler by armBudget for one run). */
  BUDGET,
  // Fused pairs (see fuse()): the first instruction's operands in this record, the second's in the next.
  F_LDXDW_JCC64X,
  F_ADD64K_JCC64K,
  F_MOV64X_MOV64X,
  F_ADD64K_ADD64K_JCC64K,
  F_ADD64K_JCC64X,
  F_ADD64X_LDX,
  // Three-address forms (fuse(): a mov folded into the op after it): dst = a op src/K, with a
  // (the mov's source register word) in the OFF word.
  M3_ADD64_X,
  M3_ADD64_K,
  M3_SUB64_X,
  M3_SUB64_K,
  M3_AND64_K,
  M3_OR64_X,
  M3_XOR64_X,
  M3_LSH64_K,
  M3_RSH64_K,
  M3_ARSH64_K,
}

interface Mapped {
  code: H;
  kLo: number;
  kHi: number;
  target: number;
}

/** Map one (structurally valid) slot to its handler and pre-computed operands. */
function mapInsn(ins: Insn, i: number): Mapped {
  const op = opOf(ins);
  const d = OP_DESC[op]!;
  const sext = ins.imm < 0 ? 0xffffffff : 0;
  let kLo = ins.imm >>> 0;
  // 64-bit forms (ALU64, JMP, stdw) sign-extend imm; 32-bit forms use it as is (RFC 9669 §3.3).
  let kHi = d.cls === BPF_ALU64 || d.cls === BPF_JMP || op === Op.ST_DW ? sext : 0;
  const target = jumpTarget(ins, i) ?? 0;
  // Handlers shared by instructions that do the same on this (little-endian) machine.
  let code: H = op as number as H;
  if (op === Op.JA32) code = H.JA;
  else if (op === Op.LE64) code = H.NOP;
  else if (op === Op.BSWAP16) code = H.BE16;
  else if (op === Op.BSWAP32) code = H.BE32;
  else if (op === Op.BSWAP64) code = H.BE64;
  else if (op === Op.LDDW) kHi = ins.imm2 >>> 0;
  if (code === H.LSH64_K || code === H.RSH64_K || code === H.ARSH64_K) {
    // The count is known: by 0 changes nothing, 1-31 keeps the counts n and 32 - n in the K
    // words (no branch on n at run time), 32-63 is the _KW form with n - 32.
    const n = ins.imm & 63;
    if (n === 0) code = H.NOP;
    else if (n >= 32) {
      code = code === H.LSH64_K ? H.LSH64_KW : code === H.RSH64_K ? H.RSH64_KW : H.ARSH64_KW;
      kLo = n - 32;
    } else {
      kLo = n;
      kHi = 32 - n;
    }
  }
  if (code === H.INVALID || code === H.CALL_KFUNC || d.kind === "ldabs") throw unsupportedInsnError(ins.opcode, i);
  return { code, kLo, kHi, target };
}

/**
 * Comparison mask of a 64-bit conditional jump for the fused handlers (unsigned order and
 * equality only), or 0: the outcomes it is taken on, 1 = less, 2 = equal, 4 = greater, so a
 * fused handler computes the three-way outcome once and tests one bit instead of a kind chain.
 */
function jumpKind(code: number, k: boolean): number {
  const table = k
    ? [H.JGT_K, H.JGE_K, H.JLT_K, H.JLE_K, H.JEQ_K, H.JNE_K]
    : [H.JGT_X, H.JGE_X, H.JLT_X, H.JLE_X, H.JEQ_X, H.JNE_X];
  const i = table.indexOf(code);
  // ja (with the constant forms): taken on every outcome.
  if (k && code === H.JA) return 7;
  return i < 0 ? 0 : [4, 6, 1, 3, 2, 5][i]!;
}

/** Access sizes of LDX_B, LDX_H, LDX_W, LDX_DW, LDXS_B, LDXS_H, LDXS_W (the H order). */
const LOAD_SIZE = [1, 2, 4, 8, 1, 2, 4];

/** The three-address form of each 64-bit op a preceding mov folds into (fuse()). */
const THREE_ADDRESS = new Map<number, H>([
  [H.ADD64_X, H.M3_ADD64_X],
  [H.ADD64_K, H.M3_ADD64_K],
  [H.SUB64_X, H.M3_SUB64_X],
  [H.SUB64_K, H.M3_SUB64_K],
  [H.AND64_K, H.M3_AND64_K],
  [H.OR64_X, H.M3_OR64_X],
  [H.XOR64_X, H.M3_XOR64_X],
  [H.LSH64_K, H.M3_LSH64_K],
  [H.RSH64_K, H.M3_RSH64_K],
  [H.ARSH64_K, H.M3_ARSH64_K],
]);

/**
 * Superinstructions: where slot i and the slots after it form a frequent group, slot i's
 * handler word becomes a fused handler that runs them all (the later slots keep their own
 * handlers for jumps that land on them, and PLAIN keeps the unfused word for armBudget).
 * The rules are by instruction kinds alone, whatever the registers, constants and program:
 * - ldxdw + 64-bit register compare-and-jump, add K + 64-bit compare-and-jump (constant or
 *   register) or ja, add K + add K + 64-bit constant compare-and-jump or ja, mov + mov (all
 *   64-bit; the compares are the unsigned and equality ones). Word 7 of the first record holds
 *   the comparison mask (jumpKind; 7 for ja).
 * - three-address ALU: a 64-bit `mov dst, y` followed by a 64-bit add, sub (K or X), and K,
 *   or X, xor X, lsh K, rsh K or arsh K on the same dst (BPF's two-address spelling of
 *   `dst = y op src`) becomes that op's M3_ form: y in the OFF word, the op's K copied into
 *   slot i's record, a src of dst read as y.
 * - add X (with or without a folded mov) + a byte, half or word load (the address idiom
 *   `base = y; base += index; load [base+off]`): the load's case runs the add first (its first
 *   operand in the OFF word, the load's distance in words in the KIND word), then the load
 *   from the load's own record.
 * Nothing larger is fused: a group that matches one loop's exact shape speeds that loop and no
 * other (bench/shapes.bench.ts measures programs of several shapes).
 */
function isNarrowLoad(code: number): boolean {
  return code === H.LDX_B || code === H.LDX_H || code === H.LDX_W || (code >= H.LDXS_B && code <= H.LDXS_W);
}

function fuse(M: Int32Array, n: number): void {
  const code = (i: number): number => (i < n ? M[recOf(i) + L.W]! & 0xff : -1);
  const dst = (i: number): number => (M[recOf(i) + L.W]! >>> 8) & 0xff;
  const src = (i: number): number => M[recOf(i) + L.W]! >>> 16;
  for (let i = 0; i + 1 < n; i++) {
    const p = recOf(i);
    const a = code(i);
    const b = code(i + 1);
    const c = code(i + 2);
    let f: H | undefined;
    let kind = 0;
    if (a === H.ADD64_K && b === H.ADD64_K && (kind = jumpKind(c, true)) !== 0) f = H.F_ADD64K_ADD64K_JCC64K;
    else if (a === H.LDX_DW && (kind = jumpKind(b, false)) !== 0) f = H.F_LDXDW_JCC64X;
    else if (a === H.ADD64_K && (kind = jumpKind(b, true)) !== 0) f = H.F_ADD64K_JCC64K;
    else if (a === H.ADD64_K && (kind = jumpKind(b, false)) !== 0) f = H.F_ADD64K_JCC64X;
    else if (a === H.MOV64_X && b === H.MOV64_X) f = H.F_MOV64X_MOV64X;
    else if (a === H.MOV64_X && THREE_ADDRESS.has(b) && dst(i + 1) === dst(i)) {
      const x = dst(i);
      const y = src(i);
      const s = src(i + 1) === x ? y : src(i + 1);
      M[p + L.KLO] = M[p + L.STRIDE + L.KLO]!;
      M[p + L.KHI] = M[p + L.STRIDE + L.KHI]!;
      M[p + L.OFF] = y;
      if (b === H.ADD64_X && isNarrowLoad(c)) {
        M[p + L.W] = word(H.F_ADD64X_LDX, x, s);
        M[p + L.KIND] = 2 * L.STRIDE;
      } else M[p + L.W] = word(THREE_ADDRESS.get(b)!, x, s);
      continue;
    } else if (a === H.ADD64_X && isNarrowLoad(b)) {
      M[p + L.W] = (M[p + L.W]! & ~0xff) | H.F_ADD64X_LDX;
      M[p + L.OFF] = dst(i);
      M[p + L.KIND] = L.STRIDE;
      continue;
    }
    if (f === undefined) continue;
    M[p + L.W] = (M[p + L.W]! & ~0xff) | f;
    M[p + L.KIND] = kind;
  }
}

/**
 * Whether the function entered at a slot may write r6-r9: any slot reachable from it (both
 * ways of every jump, and the functions it calls) that writes one. Helpers write only r0
 * (helper-abi.ts). A local call whose callee cannot need not save them. Every doubt counts as
 * writing: recursion, calls nested deeper than a run can go, and walks past a budget of slots
 * proportional to the program (so decoding stays linear whatever the program's shape).
 */
class CalleeWrites {
  private readonly memo = new Map<number, boolean>();
  /** The walk that last visited each slot (walks nest, so a slot may be visited again). */
  private readonly mark: Int32Array;
  private walk = 0;
  private left: number;

  constructor(private readonly insns: readonly Insn[]) {
    this.mark = new Int32Array(insns.length + 2);
    this.left = 4 * insns.length + 64;
  }

  writes(t: number, level = 0): boolean {
    const known = this.memo.get(t);
    if (known !== undefined) return known;
    if (level >= MAX_CALL_DEPTH) return true;
    this.memo.set(t, true);
    const insns = this.insns;
    const n = insns.length;
    const walk = ++this.walk;
    const hi = (r: number): boolean => r >= 6 && r <= 9;
    const work = [t];
    let writes = false;
    while (work.length > 0 && !writes) {
      const i = work.pop()!;
      if (i >= n || this.mark[i] === walk) continue;
      if (--this.left < 0) {
        writes = true;
        break;
      }
      this.mark[i] = walk;
      const ins = insns[i]!;
      const op = opOf(ins);
      const kind = OP_DESC[op]!.kind;
      if (op === Op.CALL_LOCAL) writes = this.writes(jumpTarget(ins, i)!, level + 1);
      else if (kind === "alu" || kind === "end" || kind === "ldx" || kind === "ldxsx" || kind === "lddw")
        writes = hi(ins.dst);
      else if (kind === "atomic") writes = hi(ins.src);
      work.push(...successors(insns, i));
    }
    this.memo.set(t, writes);
    return writes;
  }
}

/** Handlers after which execution does not simply fall through to the next slot. */
function endsRun(code: H): boolean {
  return (
    (code >= H.JA && code <= H.JSLE32_X) ||
    code === H.EXIT ||
    code === H.CALL_LOCAL ||
    code === H.INVALID ||
    code === H.END_OF_PROGRAM
  );
}

/**
 * The image layout of interpreter-layout.ts as literals: module-level bindings (imported or
 * not) cost a context load and a hole check per use in V8's optimised code, literals cost
 * nothing. Checked against the layout module when this module loads.
 */
const enum L {
  FRAMES = 24,
  FRAME = 10,
  CODE = 104,
  STRIDE = 8,
  W = 0,
  KLO = 1,
  KHI = 2,
  OFF = 3,
  LEN = 4,
  PLAIN = 5,
  NEXT = 6,
  KIND = 7,
  // Word 7 holds the comparison mask in a fused group's first record, the taken length in a jump's.
  // eslint-disable-next-line @typescript-eslint/no-duplicate-enum-values
  TLEN = 7,
  R10_LO = 20,
  PMASK = 0x7ffffff,
}
if (
  layout.CODE !== L.CODE ||
  layout.FRAMES !== L.FRAMES ||
  layout.FRAME !== L.FRAME ||
  layout.STRIDE !== L.STRIDE ||
  layout.W !== L.W ||
  layout.KLO !== L.KLO ||
  layout.KHI !== L.KHI ||
  layout.OFF !== L.OFF ||
  layout.LEN !== L.LEN ||
  layout.PLAIN !== L.PLAIN ||
  layout.NEXT !== L.NEXT ||
  layout.TLEN !== L.TLEN
) {
  throw new Error("interpreter: layout constants out of step with interpreter-layout.ts");
}
const recOf = layout.rec;

export class Interpreter implements Engine {
  r0hi = 0;
  executed = 0;
  /** Registers (words 0-21) then one record per slot (interpreter-layout.ts). */
  private readonly M: Int32Array;
  /** The register words as the helper ABI's `Uint32Array` (same memory as M[0..21]). */
  private readonly regs: RegisterFile;
  private readonly helperAt: (HelperFn | undefined)[];
  private readonly mem: AddressSpace;
  private readonly helpers: EngineOptions["helpers"];
  private readonly budget: number;
  /** The unwind helper's id; undefined when none (every id, negative ones included, is a helper's). */
  private readonly unwind: number | undefined;
  private readonly stack: Region;
  /**
   * Lowest stack offset the last run may have written (STACK_SIZE = nothing to clear). A new
   * stack is all zero, so nothing is dirty yet; starting at 0 made every new instance's first
   * run take the clearing branch, which run()'s optimised code (compiled on other instances'
   * feedback) had never seen: a deoptimisation, after which V8 (Node 20, once run() has
   * on-stack-replacement code) never optimises run() again — every engine then ran ~2x slower.
   */
  private dirtyFrom = STACK_SIZE;
  /** The stack region's bytes as 32-bit words. */
  private readonly stackWords: Int32Array;
  /** Handler words overwritten by armBudget for the current run. */
  private readonly patched: number[] = [];

  constructor(insns: readonly Insn[], options: EngineOptions) {
    const n = insns.length;
    this.mem = options.mem;
    this.helpers = options.helpers;
    this.budget = options.budget ?? DEFAULT_BUDGET;
    this.unwind = options.unwindHelper;
    // One extra record: falling off the end lands on a trap instead of reading past the image.
    if (recOf(n + 1) > L.PMASK)
      throw new BytecodeError(
        "vm.too-large",
        `program of ${n} slots is too large for the interpreter; expected at most ${(L.PMASK - L.CODE) / L.STRIDE - 1}`,
        { insn: 0 },
      );
    const M = new Int32Array(recOf(n + 1));
    this.M = M;
    this.regs = new Uint32Array(M.buffer, 0, REG_WORDS);
    this.helperAt = new Array<HelperFn | undefined>(n + 1).fill(undefined);
    const ends = new Uint8Array(n + 1);
    const callees = new CalleeWrites(insns);
    for (let i = 0; i < n; i++) {
      const ins = insns[i]!;
      const m = mapInsn(ins, i);
      const p = recOf(i);
      const jumps = m.code === H.CALL_LOCAL || (m.code >= H.JA && m.code <= H.JSLE32_X);
      M[p + L.W] = word(m.code, ins.dst * 2, ins.src * 2);
      M[p + L.KLO] = m.kLo;
      // A load's K word holds its access size (loads have no immediate).
      if (m.code >= H.LDX_B && m.code <= H.LDXS_W) M[p + L.KLO] = LOAD_SIZE[m.code - H.LDX_B]!;
      M[p + L.KHI] = m.kHi;
      M[p + L.OFF] = jumps ? recOf(m.target) : ins.off;
      M[p + L.NEXT] = L.STRIDE;
      if (endsRun(m.code)) ends[i] = 1;
      if (m.code === H.CALL) this.helperAt[i] = this.helpers.get(ins.imm);
      if (m.code === H.CALL_LOCAL) M[p + L.KLO] = callees.writes(m.target) ? 1 : 0;
      if (m.code === H.LDDW) {
        if (ins.src !== 0) throw lddwPseudoError(ins.src, i);
        M[p + L.NEXT] = 2 * L.STRIDE;
        M[p + L.STRIDE + L.W] = word(H.INVALID, 0, 0);
        M[p + L.STRIDE + L.NEXT] = L.STRIDE;
        ends[i + 1] = 1;
        i++;
      }
    }
    M[recOf(n) + L.W] = word(H.END_OF_PROGRAM, 0, 0);
    M[recOf(n) + L.NEXT] = L.STRIDE;
    ends[n] = 1;
    for (let i = 0; i <= n; i++) M[recOf(i) + L.PLAIN] = M[recOf(i) + L.W]!;
    fuse(M, n);
    fillRunLengths(M, n, ends);
    // Jump records: the taken target's run length (word 7 is free in a jump record; fuse()
    // uses it only in the first record of a group, never a jump).
    for (let i = 0; i < n; i++) {
      const p = recOf(i);
      const c = M[p + L.W]! & 0xff;
      if (c >= H.JA && c <= H.JSLE32_X) M[p + L.TLEN] = M[M[p + L.OFF]! + L.LEN]!;
    }
    this.stack = this.mem.add("stack", new Uint8Array(STACK_SIZE), true);
    this.stackWords = new Int32Array(this.stack.bytes.buffer, this.stack.bytes.byteOffset, STACK_SIZE / 4);
  }

  /** r0-r10 after the last run, as unsigned 64-bit values. */
  registers(): bigint[] {
    const out: bigint[] = [];
    for (let i = 0; i < 11; i++) out.push((BigInt(this.regs[2 * i + 1]!) << 32n) | BigInt(this.regs[2 * i]!));
    return out;
  }

  run(r1hi: number, r1lo: number, r2: number): number {
    const M = this.M;
    if (this.patched.length > 0) restore(M, this.patched);
    // Every register but r1, r2 and r10 starts at 0 (unrolled: cheaper than fill() per run).
    M[0] = 0;
    M[1] = 0;
    M[2] = r1lo;
    M[3] = r1hi;
    M[4] = r2;
    M[5] = 0;
    M[6] = 0;
    M[7] = 0;
    M[8] = 0;
    M[9] = 0;
    M[10] = 0;
    M[11] = 0;
    M[12] = 0;
    M[13] = 0;
    M[14] = 0;
    M[15] = 0;
    M[16] = 0;
    M[17] = 0;
    M[18] = 0;
    M[19] = 0;
    M[L.R10_LO] = STACK_SIZE;
    M[21] = this.stack.id;
    if (this.dirtyFrom < STACK_SIZE) {
      // Word stores from dirtyFrom's word (the bytes below it are zero): cheaper than fill(),
      // a runtime call, for the few words a program's frame usually spans.
      const SW = this.stackWords;
      for (let i = this.dirtyFrom >> 2; i < STACK_SIZE / 4; i++) SW[i] = 0;
      this.dirtyFrom = STACK_SIZE;
    }
    const U = this.regs;
    const stackId = this.stack.id;
    const mem = this.mem;
    const budget = this.budget;
    let dirty = STACK_SIZE;
    let p: number = L.CODE;
    let count = 0;
    let depth = 0;
    let r: Region;
    // One-entry cache of the last region a load read (its id, view and size); a helper may
    // rebind regions, so every helper call empties it. Empty means size 0 (every access
    // misses), never a sentinel id: any int32, -1 included, is a possible address high half.
    let lastId = -1;
    let lastView = this.stack.view;
    let lastSize = 0;
    // The same for the last region stored to (writable, so a read-only region never enters it).
    let lastWId = -1;
    let lastWView = this.stack.view;
    let lastWSize = 0;
    let ea = 0;
    let eh = 0;
    // Whenever control arrives at p by a transfer, the whole straight-line run from p is counted
    // (interpreter-layout.ts); a conditional jump takes both candidate lengths from its own
    // record (TLEN, and the next record's LEN) so the count does not wait for the target load.
    // The masks keep p in a range V8 can prove small, so index arithmetic p + k needs no
    // overflow checks (p never exceeds PMASK: records are < 2^27 words).
    count = M[p + L.LEN]!;
    if (count > budget) armBudget(M, p, count, budget, H.BUDGET, this.patched);
    for (;;) {
      // Legend: p = this record (M[p + L.KLO] etc. are its words), w = its handler word, d and
      // s = the register words (low half; +1 is the high half) of the destination and the
      // source, tk = a jump is taken, ea:eh = a load or store's effective address (offset,
      // region id), r = the region resolve found, count = instructions up to the end of this
      // run, depth = local-call depth, dirty = lowest stack byte written.
      let w = M[p]!;
      let d = (w >>> 8) & 0xff;
      let s = w >>> 16;
      let tk = false;
      jump: {
        // One case per line, so the switch reads as a table of the instruction set.
        /* eslint-disable max-len -- the table's rows are its cases */
        // prettier-ignore
        switch (w & 0xff) {
          // ---- ALU64 (int32 halves; carries and borrows from unsigned compares) ----
          case H.ADD64_K: { const x = M[d]!; const lo = (x + M[p + L.KLO]!) | 0; M[d + 1] = (M[d + 1]! + M[p + L.KHI]! + ((lo >>> 0) < (x >>> 0) ? 1 : 0)) | 0; M[d] = lo; break; }
          case H.ADD64_X: { const x = M[d]!; const lo = (x + M[s]!) | 0; M[d + 1] = (M[d + 1]! + M[s + 1]! + ((lo >>> 0) < (x >>> 0) ? 1 : 0)) | 0; M[d] = lo; break; }
          case H.SUB64_K: { const x = M[d]!; const y = M[p + L.KLO]!; M[d + 1] = (M[d + 1]! - M[p + L.KHI]! - ((x >>> 0) < (y >>> 0) ? 1 : 0)) | 0; M[d] = (x - y) | 0; break; }
          case H.SUB64_X: { const x = M[d]!; const y = M[s]!; M[d + 1] = (M[d + 1]! - M[s + 1]! - ((x >>> 0) < (y >>> 0) ? 1 : 0)) | 0; M[d] = (x - y) | 0; break; }
          case H.MUL64_K: mul64(M, d, M[p + L.KLO]!, M[p + L.KHI]!); break;
          case H.MUL64_X: mul64(M, d, M[s]!, M[s + 1]!); break;
          case H.DIV64_K: udivmod64(U, d, M[p + L.KLO]! >>> 0, M[p + L.KHI]! >>> 0, false); break;
          case H.DIV64_X: udivmod64(U, d, U[s]!, U[s + 1]!, false); break;
          case H.SDIV64_K: sdivmod64(U, d, M[p + L.KLO]! >>> 0, M[p + L.KHI]! >>> 0, false); break;
          case H.SDIV64_X: sdivmod64(U, d, U[s]!, U[s + 1]!, false); break;
          case H.MOD64_K: udivmod64(U, d, M[p + L.KLO]! >>> 0, M[p + L.KHI]! >>> 0, true); break;
          case H.MOD64_X: udivmod64(U, d, U[s]!, U[s + 1]!, true); break;
          case H.SMOD64_K: sdivmod64(U, d, M[p + L.KLO]! >>> 0, M[p + L.KHI]! >>> 0, true); break;
          case H.SMOD64_X: sdivmod64(U, d, U[s]!, U[s + 1]!, true); break;
          case H.OR64_K: M[d] = M[d]! | M[p + L.KLO]!; M[d + 1] = M[d + 1]! | M[p + L.KHI]!; break;
          case H.OR64_X: { const hi = M[d + 1]! | M[s + 1]!; M[d] = M[d]! | M[s]!; M[d + 1] = hi; break; }
          case H.AND64_K: M[d] = M[d]! & M[p + L.KLO]!; M[d + 1] = M[d + 1]! & M[p + L.KHI]!; break;
          case H.AND64_X: { const hi = M[d + 1]! & M[s + 1]!; M[d] = M[d]! & M[s]!; M[d + 1] = hi; break; }
          case H.XOR64_K: M[d] = M[d]! ^ M[p + L.KLO]!; M[d + 1] = M[d + 1]! ^ M[p + L.KHI]!; break;
          case H.XOR64_X: { const hi = M[d + 1]! ^ M[s + 1]!; M[d] = M[d]! ^ M[s]!; M[d + 1] = hi; break; }
          // Constant shifts: 1-31 with n in KLO and 32 - n in KHI, _KW by KLO + 32 (mapInsn).
          case H.LSH64_K: { const lo = M[d]!; M[d + 1] = (M[d + 1]! << M[p + L.KLO]!) | (lo >>> M[p + L.KHI]!); M[d] = lo << M[p + L.KLO]!; break; }
          case H.LSH64_KW: M[d + 1] = M[d]! << M[p + L.KLO]!; M[d] = 0; break;
          case H.LSH64_X: lsh64(M, d, M[s]! & 63); break;
          case H.RSH64_K: { const hi = M[d + 1]!; M[d] = (M[d]! >>> M[p + L.KLO]!) | (hi << M[p + L.KHI]!); M[d + 1] = hi >>> M[p + L.KLO]!; break; }
          case H.RSH64_KW: M[d] = M[d + 1]! >>> M[p + L.KLO]!; M[d + 1] = 0; break;
          case H.RSH64_X: rsh64(M, d, M[s]! & 63); break;
          case H.ARSH64_K: { const hi = M[d + 1]!; M[d] = (M[d]! >>> M[p + L.KLO]!) | (hi << M[p + L.KHI]!); M[d + 1] = hi >> M[p + L.KLO]!; break; }
          case H.ARSH64_KW: { const hi = M[d + 1]!; M[d] = hi >> M[p + L.KLO]!; M[d + 1] = hi >> 31; break; }
          case H.ARSH64_X: arsh64(M, d, M[s]! & 63); break;
          case H.NEG64: { const lo = M[d]!; M[d] = -lo | 0; M[d + 1] = (-M[d + 1]! - (lo !== 0 ? 1 : 0)) | 0; break; }
          case H.MOV64_K: M[d] = M[p + L.KLO]!; M[d + 1] = M[p + L.KHI]!; break;
          case H.MOV64_X: M[d] = M[s]!; M[d + 1] = M[s + 1]!; break;
          case H.MOVSX8_64: { const v = (M[s]! << 24) >> 24; M[d] = v; M[d + 1] = v >> 31; break; }
          case H.MOVSX16_64: { const v = (M[s]! << 16) >> 16; M[d] = v; M[d + 1] = v >> 31; break; }
          case H.MOVSX32_64: { const v = M[s]!; M[d] = v; M[d + 1] = v >> 31; break; }
          // ---- ALU (32-bit: the result is zero-extended, bpf-isa-summary §4.1) ----
          case H.ADD32_K: M[d] = (M[d]! + M[p + L.KLO]!) | 0; M[d + 1] = 0; break;
          case H.ADD32_X: M[d] = (M[d]! + M[s]!) | 0; M[d + 1] = 0; break;
          case H.SUB32_K: M[d] = (M[d]! - M[p + L.KLO]!) | 0; M[d + 1] = 0; break;
          case H.SUB32_X: M[d] = (M[d]! - M[s]!) | 0; M[d + 1] = 0; break;
          case H.MUL32_K: M[d] = Math.imul(M[d]!, M[p + L.KLO]!); M[d + 1] = 0; break;
          case H.MUL32_X: M[d] = Math.imul(M[d]!, M[s]!); M[d + 1] = 0; break;
          // Unsigned quotients are < 2^32 and non-negative, so `>>> 0` is floor; signed ones
          // truncate with `| 0`, which also wraps INT32_MIN / -1 (RFC 9669 §4.1).
          case H.DIV32_K: { const b = M[p + L.KLO]! >>> 0; M[d] = b === 0 ? 0 : ((M[d]! >>> 0) / b) >>> 0; M[d + 1] = 0; break; }
          case H.DIV32_X: { const b = M[s]! >>> 0; M[d] = b === 0 ? 0 : ((M[d]! >>> 0) / b) >>> 0; M[d + 1] = 0; break; }
          case H.SDIV32_K: { const b = M[p + L.KLO]!; M[d] = b === 0 ? 0 : (M[d]! / b) | 0; M[d + 1] = 0; break; }
          case H.SDIV32_X: { const b = M[s]!; M[d] = b === 0 ? 0 : (M[d]! / b) | 0; M[d + 1] = 0; break; }
          case H.MOD32_K: { const b = M[p + L.KLO]! >>> 0; if (b !== 0) M[d] = (M[d]! >>> 0) % b; M[d + 1] = 0; break; }
          case H.MOD32_X: { const b = M[s]! >>> 0; if (b !== 0) M[d] = (M[d]! >>> 0) % b; M[d + 1] = 0; break; }
          case H.SMOD32_K: { const b = M[p + L.KLO]!; if (b !== 0) M[d] = (M[d]! % b) | 0; M[d + 1] = 0; break; }
          case H.SMOD32_X: { const b = M[s]!; if (b !== 0) M[d] = (M[d]! % b) | 0; M[d + 1] = 0; break; }
          case H.OR32_K: M[d] = M[d]! | M[p + L.KLO]!; M[d + 1] = 0; break;
          case H.OR32_X: M[d] = M[d]! | M[s]!; M[d + 1] = 0; break;
          case H.AND32_K: M[d] = M[d]! & M[p + L.KLO]!; M[d + 1] = 0; break;
          case H.AND32_X: M[d] = M[d]! & M[s]!; M[d + 1] = 0; break;
          case H.XOR32_K: M[d] = M[d]! ^ M[p + L.KLO]!; M[d + 1] = 0; break;
          case H.XOR32_X: M[d] = M[d]! ^ M[s]!; M[d + 1] = 0; break;
          case H.LSH32_K: M[d] = M[d]! << (M[p + L.KLO]! & 31); M[d + 1] = 0; break;
          case H.LSH32_X: M[d] = M[d]! << (M[s]! & 31); M[d + 1] = 0; break;
          case H.RSH32_K: M[d] = M[d]! >>> (M[p + L.KLO]! & 31); M[d + 1] = 0; break;
          case H.RSH32_X: M[d] = M[d]! >>> (M[s]! & 31); M[d + 1] = 0; break;
          case H.ARSH32_K: M[d] = M[d]! >> (M[p + L.KLO]! & 31); M[d + 1] = 0; break;
          case H.ARSH32_X: M[d] = M[d]! >> (M[s]! & 31); M[d + 1] = 0; break;
          case H.NEG32: M[d] = -M[d]! | 0; M[d + 1] = 0; break;
          case H.MOV32_K: M[d] = M[p + L.KLO]!; M[d + 1] = 0; break;
          case H.MOV32_X: M[d] = M[s]!; M[d + 1] = 0; break;
          case H.MOVSX8_32: M[d] = (M[s]! << 24) >> 24; M[d + 1] = 0; break;
          case H.MOVSX16_32: M[d] = (M[s]! << 16) >> 16; M[d + 1] = 0; break;
          // ---- byte order (little-endian host: le = truncate, be = swap) ----
          case H.LE16: M[d] = M[d]! & 0xffff; M[d + 1] = 0; break;
          case H.LE32: M[d + 1] = 0; break;
          case H.NOP: break;
          case H.BE16: M[d] = bswap16(M[d]!); M[d + 1] = 0; break;
          case H.BE32: M[d] = bswap32(M[d]!) | 0; M[d + 1] = 0; break;
          case H.BE64: { const lo = M[d]!; M[d] = bswap32(M[d + 1]!) | 0; M[d + 1] = bswap32(lo) | 0; break; }
          // ---- jumps: M[p + L.OFF] is the target record; unsigned order via `>>> 0` ----
          case H.JA: tk = true; break jump;
          case H.JEQ_K: tk = M[d] === M[p + L.KLO] && M[d + 1] === M[p + L.KHI]; break jump;
          case H.JEQ_X: { tk = M[d] === M[s] && M[d + 1] === M[s + 1]; break jump; }
          case H.JNE_K: tk = M[d] !== M[p + L.KLO] || M[d + 1] !== M[p + L.KHI]; break jump;
          case H.JNE_X: { tk = M[d] !== M[s] || M[d + 1] !== M[s + 1]; break jump; }
          case H.JSET_K: tk = (M[d]! & M[p + L.KLO]!) !== 0 || (M[d + 1]! & M[p + L.KHI]!) !== 0; break jump;
          case H.JSET_X: { tk = (M[d]! & M[s]!) !== 0 || (M[d + 1]! & M[s + 1]!) !== 0; break jump; }
          // 64-bit order: the high halves decide unless equal (signed or unsigned), then the
          // low halves compare unsigned.
          case H.JGT_K: { const x = M[d + 1]!; const y = M[p + L.KHI]!; tk = (x !== y ? (x >>> 0) > (y >>> 0) : (M[d]! >>> 0) > (M[p + L.KLO]! >>> 0)); break jump; }
          case H.JGE_K: { const x = M[d + 1]!; const y = M[p + L.KHI]!; tk = (x !== y ? (x >>> 0) > (y >>> 0) : (M[d]! >>> 0) >= (M[p + L.KLO]! >>> 0)); break jump; }
          case H.JLT_K: { const x = M[d + 1]!; const y = M[p + L.KHI]!; tk = (x !== y ? (x >>> 0) < (y >>> 0) : (M[d]! >>> 0) < (M[p + L.KLO]! >>> 0)); break jump; }
          case H.JLE_K: { const x = M[d + 1]!; const y = M[p + L.KHI]!; tk = (x !== y ? (x >>> 0) < (y >>> 0) : (M[d]! >>> 0) <= (M[p + L.KLO]! >>> 0)); break jump; }
          case H.JGT_X: { const x = M[d + 1]!; const y = M[s + 1]!; tk = (x !== y ? (x >>> 0) > (y >>> 0) : (M[d]! >>> 0) > (M[s]! >>> 0)); break jump; }
          case H.JGE_X: { const x = M[d + 1]!; const y = M[s + 1]!; tk = (x !== y ? (x >>> 0) > (y >>> 0) : (M[d]! >>> 0) >= (M[s]! >>> 0)); break jump; }
          case H.JLT_X: { const x = M[d + 1]!; const y = M[s + 1]!; tk = (x !== y ? (x >>> 0) < (y >>> 0) : (M[d]! >>> 0) < (M[s]! >>> 0)); break jump; }
          case H.JLE_X: { const x = M[d + 1]!; const y = M[s + 1]!; tk = (x !== y ? (x >>> 0) < (y >>> 0) : (M[d]! >>> 0) <= (M[s]! >>> 0)); break jump; }
          case H.JSGT_K: { const x = M[d + 1]!; const y = M[p + L.KHI]!; tk = (x !== y ? x > y : (M[d]! >>> 0) > (M[p + L.KLO]! >>> 0)); break jump; }
          case H.JSGE_K: { const x = M[d + 1]!; const y = M[p + L.KHI]!; tk = (x !== y ? x > y : (M[d]! >>> 0) >= (M[p + L.KLO]! >>> 0)); break jump; }
          case H.JSLT_K: { const x = M[d + 1]!; const y = M[p + L.KHI]!; tk = (x !== y ? x < y : (M[d]! >>> 0) < (M[p + L.KLO]! >>> 0)); break jump; }
          case H.JSLE_K: { const x = M[d + 1]!; const y = M[p + L.KHI]!; tk = (x !== y ? x < y : (M[d]! >>> 0) <= (M[p + L.KLO]! >>> 0)); break jump; }
          case H.JSGT_X: { const x = M[d + 1]!; const y = M[s + 1]!; tk = (x !== y ? x > y : (M[d]! >>> 0) > (M[s]! >>> 0)); break jump; }
          case H.JSGE_X: { const x = M[d + 1]!; const y = M[s + 1]!; tk = (x !== y ? x > y : (M[d]! >>> 0) >= (M[s]! >>> 0)); break jump; }
          case H.JSLT_X: { const x = M[d + 1]!; const y = M[s + 1]!; tk = (x !== y ? x < y : (M[d]! >>> 0) < (M[s]! >>> 0)); break jump; }
          case H.JSLE_X: { const x = M[d + 1]!; const y = M[s + 1]!; tk = (x !== y ? x < y : (M[d]! >>> 0) <= (M[s]! >>> 0)); break jump; }
          // ---- JMP32: low halves only ----
          case H.JEQ32_K: tk = M[d] === M[p + L.KLO]; break jump;
          case H.JEQ32_X: tk = M[d] === M[s]; break jump;
          case H.JNE32_K: tk = M[d] !== M[p + L.KLO]; break jump;
          case H.JNE32_X: tk = M[d] !== M[s]; break jump;
          case H.JSET32_K: tk = (M[d]! & M[p + L.KLO]!) !== 0; break jump;
          case H.JSET32_X: tk = (M[d]! & M[s]!) !== 0; break jump;
          case H.JGT32_K: tk = (M[d]! >>> 0) > (M[p + L.KLO]! >>> 0); break jump;
          case H.JGT32_X: tk = (M[d]! >>> 0) > (M[s]! >>> 0); break jump;
          case H.JGE32_K: tk = (M[d]! >>> 0) >= (M[p + L.KLO]! >>> 0); break jump;
          case H.JGE32_X: tk = (M[d]! >>> 0) >= (M[s]! >>> 0); break jump;
          case H.JLT32_K: tk = (M[d]! >>> 0) < (M[p + L.KLO]! >>> 0); break jump;
          case H.JLT32_X: tk = (M[d]! >>> 0) < (M[s]! >>> 0); break jump;
          case H.JLE32_K: tk = (M[d]! >>> 0) <= (M[p + L.KLO]! >>> 0); break jump;
          case H.JLE32_X: tk = (M[d]! >>> 0) <= (M[s]! >>> 0); break jump;
          case H.JSGT32_K: tk = M[d]! > M[p + L.KLO]!; break jump;
          case H.JSGT32_X: tk = M[d]! > M[s]!; break jump;
          case H.JSGE32_K: tk = M[d]! >= M[p + L.KLO]!; break jump;
          case H.JSGE32_X: tk = M[d]! >= M[s]!; break jump;
          case H.JSLT32_K: tk = M[d]! < M[p + L.KLO]!; break jump;
          case H.JSLT32_X: tk = M[d]! < M[s]!; break jump;
          case H.JSLE32_K: tk = M[d]! <= M[p + L.KLO]!; break jump;
          case H.JSLE32_X: tk = M[d]! <= M[s]!; break jump;
          // ---- loads: effective address = src + off; ea carry/borrow moves to the next/previous region ----
          case H.LDX_DW: {
            const lo = M[s]!;
            const off = M[p + L.OFF]!;
            const sum = (lo + off) | 0;
            eh = M[s + 1]!;
            if (off >= 0 ? (sum >>> 0) < (lo >>> 0) : (sum >>> 0) > (lo >>> 0)) eh = (eh + (off >= 0 ? 1 : -1)) | 0;
            ea = sum >>> 0;
            if (eh !== lastId || ea + 8 > lastSize) {
              r = mem.resolve(eh >>> 0, ea, 8, false, (p - L.CODE) >> 3);
              lastId = eh;
              lastView = r.view;
              lastSize = r.size;
            }
            M[d] = lastView.getInt32(ea, true);
            M[d + 1] = lastView.getInt32(ea + 4, true);
            break;
          }
          case H.F_ADD64X_LDX:
          case H.LDX_B: case H.LDX_H: case H.LDX_W:
          case H.LDXS_B: case H.LDXS_H: case H.LDXS_W: {
            if ((w & 0xff) === H.F_ADD64X_LDX) {
              // dst = a + src (a = dst, or a folded mov's source: word OFF), then the load
              // whose record is KIND words on, which usually reads through the sum.
              const a = M[p + L.OFF]!;
              const x = M[a]!; const lo = (x + M[s]!) | 0; M[d + 1] = (M[a + 1]! + M[s + 1]! + ((lo >>> 0) < (x >>> 0) ? 1 : 0)) | 0; M[d] = lo;
              p = (p + M[p + L.KIND]!) & L.PMASK;
              w = M[p + L.PLAIN]!;
              d = (w >>> 8) & 0xff;
              s = w >>> 16;
            }
            // Int32 address arithmetic: a carry or borrow out of the low half is rare, and
            // only then is the high half (the region id) adjusted.
            const lo = M[s]!;
            const off = M[p + L.OFF]!;
            const sum = (lo + off) | 0;
            eh = M[s + 1]!;
            if (off >= 0 ? (sum >>> 0) < (lo >>> 0) : (sum >>> 0) > (lo >>> 0)) eh = (eh + (off >= 0 ? 1 : -1)) | 0;
            ea = sum >>> 0;
            const c = w & 0xff;
            // The access size is in the K word (a load has no K).
            const n = M[p + L.KLO]!;
            if (eh !== lastId || ea + n > lastSize) {
              r = mem.resolve(eh >>> 0, ea, n, false, (p - L.CODE) >> 3);
              lastId = eh;
              lastView = r.view;
              lastSize = r.size;
            }
            if (c === H.LDX_W) { M[d] = lastView.getInt32(ea, true); M[d + 1] = 0; }
            else if (c === H.LDX_B) { M[d] = lastView.getUint8(ea); M[d + 1] = 0; }
            else if (c === H.LDX_H) { M[d] = lastView.getUint16(ea, true); M[d + 1] = 0; }
            else {
              const v = c === H.LDXS_B ? lastView.getInt8(ea) : c === H.LDXS_H ? lastView.getInt16(ea, true) : lastView.getInt32(ea, true);
              M[d] = v;
              M[d + 1] = v >> 31;
            }
            break;
          }
          // ---- stores: address = dst + off; ST stores kLo(:kHi), STX stores src ----
          case H.ST_B: case H.ST_H: case H.ST_W: case H.ST_DW:
          case H.STX_B: case H.STX_H: case H.STX_W: case H.STX_DW: {
            const base = M[d]!;
            const off = M[p + L.OFF]!;
            const sum = (base + off) | 0;
            eh = M[d + 1]!;
            if (off >= 0 ? (sum >>> 0) < (base >>> 0) : (sum >>> 0) > (base >>> 0)) eh = (eh + (off >= 0 ? 1 : -1)) | 0;
            ea = sum >>> 0;
            const c = w & 0xff;
            let lo: number;
            let hi: number;
            if (c >= H.STX_B) { lo = M[s]!; hi = M[s + 1]!; } else { lo = M[p + L.KLO]!; hi = M[p + L.KHI]!; }
            // The write cache holds the last writable region stored to, checked with 8 bytes.
            let view = lastWView;
            if (eh !== lastWId || ea + 8 > lastWSize) {
              const size = c === H.ST_DW || c === H.STX_DW ? 8 : c === H.ST_W || c === H.STX_W ? 4 : c === H.ST_H || c === H.STX_H ? 2 : 1;
              r = mem.resolve(eh >>> 0, ea, size, true, (p - L.CODE) >> 3);
              view = r.view;
              if (ea + 8 <= r.size) { lastWId = eh; lastWView = view; lastWSize = r.size; }
            }
            if (c === H.ST_DW || c === H.STX_DW) { view.setInt32(ea, lo, true); view.setInt32(ea + 4, hi, true); }
            else if (c === H.ST_W || c === H.STX_W) view.setInt32(ea, lo, true);
            else if (c === H.ST_H || c === H.STX_H) view.setUint16(ea, lo, true);
            else view.setUint8(ea, lo);
            // Only after the store succeeded; written through to the field so ea later trap keeps it.
            if (eh === stackId && ea < dirty) { dirty = ea; this.dirtyFrom = ea; }
            break;
          }
          case H.ATOMIC32: case H.ATOMIC64: {
            ea = (M[d]! >>> 0) + M[p + L.OFF]!;
            eh = M[d + 1]! >>> 0;
            if (ea > 0xffffffff || ea < 0) { eh = (eh + (ea < 0 ? -1 : 1)) >>> 0; ea = ea >>> 0; }
            const wide = (w & 0xff) === H.ATOMIC64;
            r = mem.resolve(eh, ea, wide ? 8 : 4, true, ((p - L.CODE) >> 3));
            if (eh === stackId && ea < dirty) { dirty = ea; this.dirtyFrom = ea; }
            atomic(U, r, ea, s, M[p + L.KLO]!, wide);
            break;
          }
          case H.LDDW: M[d] = M[p + L.KLO]!; M[d + 1] = M[p + L.KHI]!; p = (p + 2 * L.STRIDE) & L.PMASK; continue;
          // ---- calls ----
          case H.CALL:
          case H.CALLX: {
            // Exact count up to and including this call (it does not end the run).
            const done = count - M[p + L.LEN]! + 1;
            // Size 0 empties a cache whatever id it holds: an address's high half may be -1.
            lastSize = 0;
            lastWSize = 0;
            if (this.callHelper(w, p, done, depth)) {
              this.executed = done;
              this.r0hi = 0;
              return 0;
            }
            if (this.dirtyFrom < dirty) dirty = this.dirtyFrom;
            break;
          }
          case H.CALL_LOCAL: {
            if (depth + 1 >= MAX_CALL_DEPTH) {
              this.executed = count;
              throw callDepthTrap((p - L.CODE) >> 3);
            }
            // Save r6-r9 (if the callee may write them: KLO) and the return record in this
            // depth's frame words; r10 is not saved (no instruction writes it:
            // checkStructure), it follows from the depth.
            const f = L.FRAMES + depth * L.FRAME;
            const save = M[p + L.KLO]!;
            if (save !== 0) {
              M[f] = M[12]!; M[f + 1] = M[13]!; M[f + 2] = M[14]!; M[f + 3] = M[15]!;
              M[f + 4] = M[16]!; M[f + 5] = M[17]!; M[f + 6] = M[18]!; M[f + 7] = M[19]!;
            }
            M[f + 8] = p + L.STRIDE;
            M[f + 9] = save;
            depth++;
            // The callee's frame must read as zero, whatever an earlier call left there: the
            // stack was all zero when the run began, and `dirty` is the lowest byte written
            // since, so only [dirty, top) can hold anything.
            const top = STACK_SIZE - depth * MAX_STACK;
            if (dirty < top) this.stack.bytes.fill(0, Math.max(dirty, top - MAX_STACK), top);
            M[L.R10_LO] = top;
            p = M[p + L.OFF]! & L.PMASK;
            count += M[p + L.LEN]!;
            if (count > budget) armBudget(M, p, count, budget, H.BUDGET, this.patched);
            continue;
          }
          case H.EXIT: {
            if (depth === 0) {
              this.executed = count;
              this.r0hi = U[1]!;
              return U[0]!;
            }
            depth--;
            const f = L.FRAMES + depth * L.FRAME;
            if (M[f + 9] !== 0) {
              M[12] = M[f]!; M[13] = M[f + 1]!; M[14] = M[f + 2]!; M[15] = M[f + 3]!;
              M[16] = M[f + 4]!; M[17] = M[f + 5]!; M[18] = M[f + 6]!; M[19] = M[f + 7]!;
            }
            M[L.R10_LO] = STACK_SIZE - depth * MAX_STACK;
            p = M[f + 8]! & L.PMASK;
            count += M[p + L.LEN]!;
            if (count > budget) armBudget(M, p, count, budget, H.BUDGET, this.patched);
            continue;
          }
          // ---- fused groups (fuse()); q is the second instruction's record, whose operands are
          // read from its PLAIN word (its own record may hold another group's fused word). The
          // 64-bit add and three-way compare are written out in each case on purpose: this is
          // the hottest code in the file, and a shared function would be a call per group ----
          case H.F_LDXDW_JCC64X: {
            const lo = M[s]!;
            const off = M[p + L.OFF]!;
            const sum = (lo + off) | 0;
            eh = M[s + 1]!;
            if (off >= 0 ? (sum >>> 0) < (lo >>> 0) : (sum >>> 0) > (lo >>> 0)) eh = (eh + (off >= 0 ? 1 : -1)) | 0;
            ea = sum >>> 0;
            if (eh !== lastId || ea + 8 > lastSize) {
              r = mem.resolve(eh >>> 0, ea, 8, false, (p - L.CODE) >> 3);
              lastId = eh;
              lastView = r.view;
              lastSize = r.size;
            }
            M[d] = lastView.getInt32(ea, true);
            M[d + 1] = lastView.getInt32(ea + 4, true);
            const q: number = p + L.STRIDE;
            const w2 = M[q]!;
            const x = (w2 >>> 8) & 0xff;
            const y = w2 >>> 16;
            const xh = M[x + 1]!;
            const yh = M[y + 1]!;
            const c = xh !== yh ? ((xh >>> 0) > (yh >>> 0) ? 4 : 1) : M[x] === M[y] ? 2 : (M[x]! >>> 0) > (M[y]! >>> 0) ? 4 : 1;
            tk = (M[p + L.KIND]! & c) !== 0;
            p = q;
            break jump;
          }
          case H.F_ADD64K_JCC64K: {
            const v = M[d]!;
            const lo = (v + M[p + L.KLO]!) | 0;
            M[d] = lo;
            M[d + 1] = (M[d + 1]! + M[p + L.KHI]! + ((lo >>> 0) < (v >>> 0) ? 1 : 0)) | 0;
            const q: number = p + L.STRIDE;
            const x = (M[q]! >>> 8) & 0xff;
            const xh = M[x + 1]!;
            const yh = M[q + L.KHI]!;
            const c = xh !== yh ? ((xh >>> 0) > (yh >>> 0) ? 4 : 1) : M[x] === M[q + L.KLO] ? 2 : (M[x]! >>> 0) > (M[q + L.KLO]! >>> 0) ? 4 : 1;
            tk = (M[p + L.KIND]! & c) !== 0;
            p = q;
            break jump;
          }
          case H.F_ADD64K_JCC64X: {
            const v = M[d]!;
            const lo = (v + M[p + L.KLO]!) | 0;
            M[d] = lo;
            M[d + 1] = (M[d + 1]! + M[p + L.KHI]! + ((lo >>> 0) < (v >>> 0) ? 1 : 0)) | 0;
            const q: number = p + L.STRIDE;
            const w2 = M[q]!;
            const x = (w2 >>> 8) & 0xff;
            const y = w2 >>> 16;
            const xh = M[x + 1]!;
            const yh = M[y + 1]!;
            const c = xh !== yh ? ((xh >>> 0) > (yh >>> 0) ? 4 : 1) : M[x] === M[y] ? 2 : (M[x]! >>> 0) > (M[y]! >>> 0) ? 4 : 1;
            tk = (M[p + L.KIND]! & c) !== 0;
            p = q;
            break jump;
          }
          case H.F_ADD64K_ADD64K_JCC64K: {
            const v = M[d]!;
            const lo = (v + M[p + L.KLO]!) | 0;
            M[d] = lo;
            M[d + 1] = (M[d + 1]! + M[p + L.KHI]! + ((lo >>> 0) < (v >>> 0) ? 1 : 0)) | 0;
            const q: number = p + L.STRIDE;
            const d2 = (M[q + L.PLAIN]! >>> 8) & 0xff;
            const v2 = M[d2]!;
            const lo2 = (v2 + M[q + L.KLO]!) | 0;
            M[d2] = lo2;
            M[d2 + 1] = (M[d2 + 1]! + M[q + L.KHI]! + ((lo2 >>> 0) < (v2 >>> 0) ? 1 : 0)) | 0;
            const t: number = q + L.STRIDE;
            const x = (M[t]! >>> 8) & 0xff;
            const xh = M[x + 1]!;
            const yh = M[t + L.KHI]!;
            const c = xh !== yh ? ((xh >>> 0) > (yh >>> 0) ? 4 : 1) : M[x] === M[t + L.KLO] ? 2 : (M[x]! >>> 0) > (M[t + L.KLO]! >>> 0) ? 4 : 1;
            tk = (M[p + L.KIND]! & c) !== 0;
            p = t;
            break jump;
          }
          case H.F_MOV64X_MOV64X: {
            M[d] = M[s]!;
            M[d + 1] = M[s + 1]!;
            const w2 = M[p + L.STRIDE + L.PLAIN]!;
            const d2 = (w2 >>> 8) & 0xff;
            const s2 = w2 >>> 16;
            M[d2] = M[s2]!;
            M[d2 + 1] = M[s2 + 1]!;
            p = (p + 2 * L.STRIDE) & L.PMASK;
            continue;
          }
          // ---- three-address forms (fuse()): a = the folded mov's source; two records ----
          case H.M3_ADD64_X: { const a = M[p + L.OFF]!; const x = M[a]!; const lo = (x + M[s]!) | 0; M[d + 1] = (M[a + 1]! + M[s + 1]! + ((lo >>> 0) < (x >>> 0) ? 1 : 0)) | 0; M[d] = lo; p = (p + 2 * L.STRIDE) & L.PMASK; continue; }
          case H.M3_ADD64_K: { const a = M[p + L.OFF]!; const x = M[a]!; const lo = (x + M[p + L.KLO]!) | 0; M[d + 1] = (M[a + 1]! + M[p + L.KHI]! + ((lo >>> 0) < (x >>> 0) ? 1 : 0)) | 0; M[d] = lo; p = (p + 2 * L.STRIDE) & L.PMASK; continue; }
          case H.M3_SUB64_X: { const a = M[p + L.OFF]!; const x = M[a]!; const y = M[s]!; M[d + 1] = (M[a + 1]! - M[s + 1]! - ((x >>> 0) < (y >>> 0) ? 1 : 0)) | 0; M[d] = (x - y) | 0; p = (p + 2 * L.STRIDE) & L.PMASK; continue; }
          case H.M3_SUB64_K: { const a = M[p + L.OFF]!; const x = M[a]!; const y = M[p + L.KLO]!; M[d + 1] = (M[a + 1]! - M[p + L.KHI]! - ((x >>> 0) < (y >>> 0) ? 1 : 0)) | 0; M[d] = (x - y) | 0; p = (p + 2 * L.STRIDE) & L.PMASK; continue; }
          case H.M3_AND64_K: { const a = M[p + L.OFF]!; M[d] = M[a]! & M[p + L.KLO]!; M[d + 1] = M[a + 1]! & M[p + L.KHI]!; p = (p + 2 * L.STRIDE) & L.PMASK; continue; }
          case H.M3_OR64_X: { const a = M[p + L.OFF]!; const hi = M[a + 1]! | M[s + 1]!; M[d] = M[a]! | M[s]!; M[d + 1] = hi; p = (p + 2 * L.STRIDE) & L.PMASK; continue; }
          case H.M3_XOR64_X: { const a = M[p + L.OFF]!; const hi = M[a + 1]! ^ M[s + 1]!; M[d] = M[a]! ^ M[s]!; M[d + 1] = hi; p = (p + 2 * L.STRIDE) & L.PMASK; continue; }
          case H.M3_LSH64_K: { const a = M[p + L.OFF]!; const lo = M[a]!; M[d + 1] = (M[a + 1]! << M[p + L.KLO]!) | (lo >>> M[p + L.KHI]!); M[d] = lo << M[p + L.KLO]!; p = (p + 2 * L.STRIDE) & L.PMASK; continue; }
          case H.M3_RSH64_K: { const a = M[p + L.OFF]!; const hi = M[a + 1]!; M[d] = (M[a]! >>> M[p + L.KLO]!) | (hi << M[p + L.KHI]!); M[d + 1] = hi >>> M[p + L.KLO]!; p = (p + 2 * L.STRIDE) & L.PMASK; continue; }
          case H.M3_ARSH64_K: { const a = M[p + L.OFF]!; const hi = M[a + 1]!; M[d] = (M[a]! >>> M[p + L.KLO]!) | (hi << M[p + L.KHI]!); M[d + 1] = hi >> M[p + L.KLO]!; p = (p + 2 * L.STRIDE) & L.PMASK; continue; }
          case H.BUDGET:
            restore(M, this.patched);
            this.executed = budget;
            throw budgetTrap(budget, (p - L.CODE) >> 3);
          case H.END_OF_PROGRAM:
            this.executed = count - 1;
            throw fellOffTrap(((p - L.CODE) >> 3) - 1);
          default:
            this.executed = count - 1;
            throw badInsnTrap((p - L.CODE) >> 3);
        }
        /* eslint-enable max-len */
        p = (p + L.STRIDE) & L.PMASK;
        continue;
      }
      // A conditional (or unconditional) jump at p, taken when tk.
      if (tk) {
        count += M[p + L.TLEN]!;
        p = M[p + L.OFF]! & L.PMASK;
      } else {
        count += M[p + L.STRIDE + L.LEN]!;
        p = (p + L.STRIDE) & L.PMASK;
      }
      if (count > budget) armBudget(M, p, count, budget, H.BUDGET, this.patched);
    }
  }

  /**
   * A helper call (`call K` or `callx`) at record p; `done` instructions have run including it.
   * Returns true when the unwind helper asks to end the program. Kept out of `run` so the hot
   * loop stays small.
   */
  private callHelper(w: number, p: number, done: number, depth: number): boolean {
    const R = this.regs;
    const d = (w >>> 8) & 0xff;
    const i = (p - L.CODE) >> 3;
    let id: number;
    let fn: HelperFn | undefined;
    if ((w & 0xff) === H.CALL) {
      id = this.M[p + L.KLO]!;
      fn = this.helperAt[i] ?? this.helpers.get(id);
    } else {
      id = R[d]!;
      fn = R[d + 1] === 0 ? this.helpers.get(id) : undefined;
      if (fn === undefined) {
        this.executed = done;
        throw badCallxTrap(d / 2, R[d + 1]!, R[d]!, i);
      }
    }
    if (fn === undefined) {
      this.executed = done;
      throw unknownHelperTrap(id, this.helpers, i);
    }
    // A helper may write to the stack only through a pointer argument (r1-r5 naming the
    // stack region), and only if it writes through its arguments at all (`writesArgs`); then
    // any active frame may change, so the next run clears them all.
    const stackId = this.stack.id;
    if (
      fn.writesArgs !== false &&
      (R[3] === stackId || R[5] === stackId || R[7] === stackId || R[9] === stackId || R[11] === stackId)
    ) {
      const low = STACK_SIZE - (depth + 1) * MAX_STACK;
      if (low < this.dirtyFrom) this.dirtyFrom = low;
    }
    try {
      fn(R, this.mem);
    } catch (e) {
      this.executed = done;
      throw e instanceof VmTrap ? e.at(i) : e;
    }
    return id === this.unwind && R[0] === 0 && R[1] === 0;
  }
}

export const createInterpreter: EngineFactory = (insns, options) => new Interpreter(insns, options);
