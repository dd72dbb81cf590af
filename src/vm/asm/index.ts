/** Public surface of the assembler and disassembler (conformance dialect and kernel pseudo-C). */
export { disassemble } from "./disassembler.js";
