/**
 * The run-time traps both engines raise, built in one place so that the interpreter and the
 * JIT report the same code and the same words for the same fault (memory faults are built by
 * `AddressSpace.fault`, helper faults by the helpers), and the errors both raise for a program
 * they refuse to run. Every trap names the instruction, except where noted.
 */
import { BytecodeError, VmTrap } from "../errors.js";
import type { HelperTable } from "./helper-abi.js";
import { MAX_CALL_DEPTH } from "./isa.js";
import { formatAddress } from "./memory.js";

export function budgetTrap(budget: number, insn: number): VmTrap {
  return new VmTrap("vm.budget", `instruction budget of ${budget} exhausted`, { insn });
}

/** Execution fell past the last slot (`last` is the last instruction's index). */
export function fellOffTrap(last: number): VmTrap {
  return new VmTrap("vm.fell-off", `execution ran past the last instruction (${last}); expected an exit or a jump`, {
    insn: last,
  });
}

export function badInsnTrap(slot: number): VmTrap {
  return new VmTrap("vm.bad-insn", `slot ${slot} is not an executable instruction`, { insn: slot });
}

export function callDepthTrap(insn: number): VmTrap {
  return new VmTrap("vm.call-depth", `call depth limit of ${MAX_CALL_DEPTH} frames exceeded`, { insn });
}

export function unknownHelperTrap(id: number, helpers: HelperTable, insn: number): VmTrap {
  return new VmTrap(
    "vm.unknown-helper",
    `call to helper ${id}, which is not available here (expected one of: ${[...helpers.keys()].join(", ") || "none"})`,
    { insn },
  );
}

/** `callx` through register `reg` holding (hi:lo), which names no helper. */
export function badCallxTrap(reg: number, hi: number, lo: number, insn: number): VmTrap {
  return new VmTrap("vm.bad-callx", `callx target r${reg} = ${formatAddress(hi, lo)} is not a registered helper id`, {
    insn,
  });
}

export function badAtomicTrap(op: number): VmTrap {
  return new VmTrap("vm.bad-atomic", `atomic operation 0x${(op >>> 0).toString(16)} is not valid`);
}

/** An instruction neither engine runs (unknown, a legacy packet load, a kfunc call). */
export function unsupportedInsnError(opcode: number, insn: number): BytecodeError {
  return new BytecodeError(
    "vm.unsupported",
    `opcode 0x${opcode.toString(16).padStart(2, "0")} cannot be executed (run checkStructure first)`,
    { insn },
  );
}

/** An `lddw` whose pseudo source (`src`) a loader should have resolved to a constant. */
export function lddwPseudoError(src: number, insn: number): BytecodeError {
  return new BytecodeError(
    "vm.lddw-pseudo",
    `lddw with src=${src} (a map or function reference) must be resolved by a loader before running; expected src=0`,
    { insn },
  );
}

/**
 * The trusted JIT's generated code raised a JavaScript error (`what`), which only a wrong proof
 * can cause; it has no instruction index, as one try/catch covers the whole function.
 */
export function trustedFaultTrap(what: string): VmTrap {
  return new VmTrap(
    "vm.trusted-fault",
    `trusted-mode code faulted (${what}); was the program verified? run it in checked mode for a located trap`,
  );
}

/** A helper called at `insn` rebound the ctx region under the JIT's ctx-specialised code. */
export function ctxReboundTrap(insn: number): VmTrap {
  return new VmTrap(
    "vm.ctx-rebound",
    `a helper rebound the ctx region during a run of the ctx-specialised trusted code; expected the ctx region to stay bound for the whole run`,
    { insn },
  );
}
