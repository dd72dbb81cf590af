/**
 * Small reference programs for the kernel bridges, built from `isa.ts`'s `Op`s (no opcode
 * literals): the bytes `kernelVerify` checks and the harness attaches (maps named by spec fd).
 * `KERNEL_BUILTINS` gives the kernel form of the socket model's built-in policies
 * (src/model/builtins.ts) so a model run and a kernel run can use "the same" policy.
 * Deliberately absent: anything the compiler should produce (these are hand-assembled oracles).
 */
import { BPF_PSEUDO_MAP_FD, encode, insnOf, isWide, Op, type Insn } from "../vm/isa.js";
import {
  BPF_SK_REUSEPORT_SELECT,
  BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
  HELPER,
  SK_DROP,
  SK_PASS,
  ctxFieldOffset,
} from "../vm/program-type.js";

const R0 = 0,
  R1 = 1,
  R2 = 2,
  R3 = 3,
  R4 = 4,
  R6 = 6,
  R10 = 10;
const movImm = (dst: number, imm: number): Insn => insnOf(Op.MOV64_K, dst, 0, 0, imm);
const movReg = (dst: number, src: number): Insn => insnOf(Op.MOV64_X, dst, src);
const addImm = (dst: number, imm: number): Insn => insnOf(Op.ADD64_K, dst, 0, 0, imm);
const ldMap = (dst: number, fd: number): Insn => insnOf(Op.LDDW, dst, BPF_PSEUDO_MAP_FD, 0, fd);
const stW = (base: number, off: number, imm: number): Insn => insnOf(Op.ST_W, base, 0, off, imm);
const ldxW = (dst: number, src: number, off: number): Insn => insnOf(Op.LDX_W, dst, src, off);
const ldxDW = (dst: number, src: number, off: number): Insn => insnOf(Op.LDX_DW, dst, src, off);
const jeqImm = (dst: number, imm: number, off: number): Insn => insnOf(Op.JEQ_K, dst, 0, off, imm);
const call = (id: number): Insn => insnOf(Op.CALL, 0, 0, 0, id);
const exit = (): Insn => insnOf(Op.EXIT);
const prog = (insns: Insn[]): Uint8Array => encode(insns, true);

/** `r0 = v; exit` */
export const returnConst = (v: number): Uint8Array => prog([movImm(R0, v), exit()]);

/** `exit` with r0 never written. */
export const uninitReturn = (): Uint8Array => prog([exit()]);

/** Looks up key 0 of map `fd` and dereferences the result without a NULL check. */
export const lookupNoNullCheck = (fd: number): Uint8Array =>
  prog([
    ldMap(R1, fd),
    stW(R10, -4, 0),
    movReg(R2, R10),
    addImm(R2, -4),
    call(HELPER.map_lookup_elem),
    ldxW(R0, R0, 0),
    movImm(R0, SK_PASS),
    exit(),
  ]);

/** bpf_sk_select_reuseport(ctx, sockarray `fd`, &key, 0), then SK_PASS whatever it returned. */
const selectKeyThenPass = (fd: number, key: number): Insn[] => [
  movReg(R6, R1),
  ldMap(R2, fd),
  stW(R10, -4, key),
  movReg(R3, R10),
  addImm(R3, -4),
  movImm(R4, 0),
  movReg(R1, R6),
  call(HELPER.sk_select_reuseport),
  movImm(R0, SK_PASS),
  exit(),
];

/** Selects `key` of sockarray `fd` for every packet and migration, then SK_PASS. */
export const selectSlot = (fd: number, key: number): Uint8Array => prog(selectKeyThenPass(fd, key));

/** ctx offset of `migrating_sk` (spec §F). */
const CTX_MIGRATING_SK = ctxFieldOffset("migrating_sk");

/** SK_PASS (hash pick) for a new SYN; `onMigrate` decides for a migration. */
function migrateSwitch(onMigrate: Insn[]): Uint8Array {
  // r2 = ctx->migrating_sk; if r2 == NULL goto pass
  return prog([
    ldxDW(R2, R1, CTX_MIGRATING_SK),
    jeqImm(R2, 0, onMigrate.length + countWide(onMigrate)),
    ...onMigrate,
    movImm(R0, SK_PASS),
    exit(),
  ]);
}
const countWide = (insns: Insn[]): number => insns.filter(isWide).length;

/** SK_DROP for every migration, SK_PASS otherwise. */
export const dropOnMigrate = (): Uint8Array => migrateSwitch([movImm(R0, SK_DROP), exit()]);

/** Select sockarray `fd` slot `key` for migrations only (SK_PASS either way). */
export const migrateToSlot = (fd: number, key: number): Uint8Array => migrateSwitch(selectKeyThenPass(fd, key));

/** SK_PASS with no selection everywhere (migration then follows the hash, R12 step 6). */
export const passAll = (): Uint8Array => returnConst(SK_PASS);

/** Kernel programs equivalent to the model's built-ins of the same name. */
export const KERNEL_BUILTINS: Readonly<
  Record<"pass" | "drop-migration" | "select-only", { readonly attachType: number; readonly program: Uint8Array }>
> = {
  pass: { attachType: BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, program: passAll() },
  "drop-migration": { attachType: BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, program: dropOnMigrate() },
  "select-only": { attachType: BPF_SK_REUSEPORT_SELECT, program: passAll() },
};
