/**
 * Structural check of raw bytecode, before any verifier or engine sees it: slot framing, the
 * `lddw` second slot, known opcodes, fields that must be zero, register numbers, and jump/call
 * targets (inside the program and never into the middle of an `lddw`).
 *
 * This is a per-instruction field filter in the spirit of uBPF's validator, not a verifier:
 * it knows nothing about types, reachability, loops or whether the program ends in `exit`
 * (falling off the end is a run-time trap). Deliberately rejected: kfunc calls (call src=2),
 * legacy packet loads (LD|ABS, LD|IND), `lddw` pseudo sources other than 0-6.
 */
import { BytecodeError } from "../errors.js";
import { plural } from "../plural.js";
import {
  ATOMIC_OPS,
  BPF_ALU64,
  BPF_CMPXCHG,
  BPF_DIV,
  BPF_FETCH,
  BPF_MOD,
  BPF_MOV,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_X,
  NUM_REGS,
  Op,
  OP_DESC,
  opOf,
  R10,
  SLOT_SIZE,
  decode,
  type Insn,
  jumpTarget,
} from "./isa.js";
import { opcodeName } from "./asm/syntax.js";

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(2, "0")}`;

function fail(insn: number, code: string, message: string): never {
  throw new BytecodeError(`bytecode.${code}`, message, { insn });
}

/**
 * Decode and check `bytes`; returns one `Insn` per slot (as `decode`). Throws `BytecodeError`
 * located at the offending slot, with an expected-vs-actual message.
 */
export function checkStructure(bytes: Uint8Array): Insn[] {
  if (bytes.length === 0) fail(0, "empty", "program is empty (expected at least one 8-byte instruction)");
  if (bytes.length % SLOT_SIZE !== 0) {
    fail(
      Math.floor(bytes.length / SLOT_SIZE),
      "length",
      `program length ${plural(bytes.length, "byte")} is not a multiple of 8 (${plural(bytes.length % SLOT_SIZE, "trailing byte")})`,
    );
  }
  const insns = decode(bytes);
  const n = insns.length;
  // Second slots of lddw: not instructions, never jump targets.
  const wideTail = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const ins = insns[i]!;
    if (opOf(ins) === Op.LDDW) {
      if (i + 1 >= n) fail(i, "lddw-truncated", "lddw is missing its second slot (it is the last slot of the program)");
      const t = insns[i + 1]!;
      if (t.opcode !== 0 || t.dst !== 0 || t.src !== 0 || t.off !== 0) {
        fail(
          i + 1,
          "lddw-second-slot",
          `second slot of lddw must have opcode 0, registers 0 and offset 0; got opcode ${hex(t.opcode)}, dst r${t.dst}, src r${t.src}, offset ${t.off}`,
        );
      }
      wideTail[i + 1] = 1;
      i++;
    }
  }
  for (let i = 0; i < n; i++) {
    if (wideTail[i] === 1) continue;
    checkInsn(insns[i]!, i, n, wideTail);
  }
  return insns;
}

function mustBeZero(i: number, what: "src" | "dst" | "offset" | "imm", value: number, mnemonic: string): void {
  if (value !== 0) {
    const shown = what === "src" || what === "dst" ? `r${value}` : String(value);
    fail(i, `nonzero-${what}`, `${mnemonic}: ${what} field must be 0, got ${shown}`);
  }
}

function checkTarget(i: number, target: number, n: number, wideTail: Uint8Array, what: string): void {
  if (target < 0 || target >= n)
    fail(i, "target-range", `${what} target ${target} is out of range (program has ${plural(n, "instruction")})`);
  if (wideTail[target] === 1)
    fail(i, "target-lddw", `${what} target ${target} is the second slot of the lddw at ${target - 1}`);
}

function checkInsn(ins: Insn, i: number, n: number, wideTail: Uint8Array): void {
  const op = opOf(ins);
  if (op === Op.INVALID) fail(i, "unknown-opcode", `unknown opcode ${hex(ins.opcode)}`);
  const d = OP_DESC[op]!;
  // Messages name the opcode byte: the field at fault may be the one that would select sdiv, le16, ...
  const name = opcodeName(op);
  if (ins.dst >= NUM_REGS)
    fail(i, "bad-register", `${name}: dst register r${ins.dst} does not exist (expected r0-r10)`);
  // callx uses only dst; every other kind either uses src as a register or checks it below.
  if (ins.src >= NUM_REGS && d.kind !== "call" && d.kind !== "lddw") {
    fail(i, "bad-register", `${name}: src register r${ins.src} does not exist (expected r0-r10)`);
  }
  const noR10 = (): void => {
    if (ins.dst === R10)
      fail(i, "write-r10", `${name}: r10 is the read-only frame pointer and cannot be a destination`);
  };
  const x = d.source === BPF_X;
  // An off, imm or src that selects no instruction decodes as its byte's plain form (selector 0,
  // the 64-bit byte order, a helper call), so a selector field that differs from the Op's is bad.
  switch (d.kind) {
    case "alu": {
      noR10();
      if (op === Op.NEG64 || op === Op.NEG32) {
        mustBeZero(i, "src", ins.src, name);
        mustBeZero(i, "offset", ins.off, name);
        mustBeZero(i, "imm", ins.imm, name);
        return;
      }
      if (x) mustBeZero(i, "imm", ins.imm, name);
      else mustBeZero(i, "src", ins.src, name);
      if (ins.off === d.selector) return;
      if (d.code === BPF_DIV || d.code === BPF_MOD)
        fail(i, "bad-offset", `${name}: offset must be 0 (unsigned) or 1 (signed), got ${ins.off}`);
      if (d.code === BPF_MOV && x) {
        const ok = d.cls === BPF_ALU64 ? "0, 8, 16, 32" : "0, 8, 16";
        fail(i, "bad-offset", `${name}: offset must be one of ${ok} (movsx width), got ${ins.off}`);
      }
      mustBeZero(i, "offset", ins.off, name);
      return;
    }
    case "end":
      noR10();
      mustBeZero(i, "src", ins.src, name);
      mustBeZero(i, "offset", ins.off, name);
      if (ins.imm !== d.selector) fail(i, "bad-width", `${name}: width (imm) must be 16, 32 or 64, got ${ins.imm}`);
      return;
    case "jmp":
      if (x) mustBeZero(i, "imm", ins.imm, name);
      else mustBeZero(i, "src", ins.src, name);
      checkTarget(i, jumpTarget(ins, i)!, n, wideTail, "jump");
      return;
    case "ja":
      mustBeZero(i, "dst", ins.dst, name);
      mustBeZero(i, "src", ins.src, name);
      if (op === Op.JA32) {
        mustBeZero(i, "offset", ins.off, name);
      } else {
        mustBeZero(i, "imm", ins.imm, name);
      }
      checkTarget(i, jumpTarget(ins, i)!, n, wideTail, "jump");
      return;
    case "call":
      mustBeZero(i, "dst", ins.dst, name);
      mustBeZero(i, "offset", ins.off, name);
      if (op === Op.CALL_KFUNC) fail(i, "kfunc", "kfunc calls (call with src=2) are not supported");
      if (op === Op.CALL_LOCAL) checkTarget(i, jumpTarget(ins, i)!, n, wideTail, "call");
      else if (ins.src !== d.selector)
        fail(i, "bad-call-src", `call: src must be 0 (helper) or 1 (local function), got ${ins.src}`);
      return;
    case "callx":
      mustBeZero(i, "src", ins.src, name);
      mustBeZero(i, "offset", ins.off, name);
      mustBeZero(i, "imm", ins.imm, name);
      return;
    case "exit":
      mustBeZero(i, "dst", ins.dst, name);
      mustBeZero(i, "src", ins.src, name);
      mustBeZero(i, "offset", ins.off, name);
      mustBeZero(i, "imm", ins.imm, name);
      return;
    case "lddw":
      noR10();
      mustBeZero(i, "offset", ins.off, name);
      if (ins.src > BPF_PSEUDO_MAP_IDX_VALUE)
        fail(i, "bad-lddw-src", `lddw: src must be 0 (constant) or a pseudo source 1-6, got ${ins.src}`);
      return;
    case "ldx":
    case "ldxsx":
      noR10();
      mustBeZero(i, "imm", ins.imm, name);
      return;
    case "st":
      mustBeZero(i, "src", ins.src, name);
      return;
    case "stx":
      mustBeZero(i, "imm", ins.imm, name);
      return;
    case "atomic": {
      if (!ATOMIC_OPS.has(ins.imm)) {
        const valid = [...ATOMIC_OPS.keys()].map(hex).join(", ");
        fail(i, "bad-atomic", `${name}: atomic operation ${hex(ins.imm)} is not valid (expected one of ${valid})`);
      }
      if ((ins.imm & BPF_FETCH) !== 0 && ins.imm !== BPF_CMPXCHG && ins.src === R10) {
        fail(i, "write-r10", `${name}: a fetching atomic writes its src register, which cannot be r10`);
      }
      return;
    }
    case "ldabs":
      fail(i, "legacy-packet", `${name}: legacy packet loads (LD|ABS, LD|IND) are not supported`);
  }
}
