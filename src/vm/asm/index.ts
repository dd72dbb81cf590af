/** Public surface of the assembler and disassembler (conformance dialect and kernel pseudo-C). */
export { assemble, assembleProgram, type AssembledProgram } from "./assembler.js";
export {
  disassemble,
  formatInsn,
  helperNamesOf,
  validateInsn,
  type DisasmOptions,
  type DisasmStyle,
  type HelperNamer,
} from "./disassembler.js";
